"""The article's Example 1 (dense regression) and Example 2 (small CNN), timed.

Synthetic data as in the article; the same model definitions, with
`FitPredictTimer` attached to `fit` and `predict`.
"""

import time

from keras_timing.examples import EXAMPLES
from keras_timing.examples import cnn_example  # noqa: F401 (tests, users)
from keras_timing.examples import dense_example  # noqa: F401

# The demo's profiler captures: a train window in the second epoch (after
# compilation) and a predict window; the Profile tab shows both.
PROFILE = {"profile_steps": (30, 34), "profile_predict_steps": (3, 5)}


def run(log_dir="logs", epochs=3, timer_kwargs=None, print_fn=print):
    """Runs both examples with a timer each; returns their launch folders.

    `timer_kwargs` default to `PROFILE`.
    """
    import keras

    from keras_timing import FitPredictTimer

    stamp = time.strftime("%Y%m%d-%H%M%S")
    launches = []
    for i, (name, make) in enumerate(EXAMPLES.items(), 1):
        print_fn("[%d/%d] %s: fit %d epochs (batch 32, validation 20%%), "
                 "then predict" % (i, len(EXAMPLES), name, epochs))
        model, x, y = make(keras)
        timer = FitPredictTimer(
            log_dir=log_dir, launch_name="%s-example%d-%s" % (stamp, i, name),
            # The demo shows FLOPs, however short its fits.
            **dict({"count_flops": True},
                   **(PROFILE if timer_kwargs is None else timer_kwargs)))
        model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.2,
                  verbose=2, callbacks=[timer])
        model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
        launches.append(timer.launch_dir)
    return launches
