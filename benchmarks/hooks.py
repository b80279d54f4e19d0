"""How long FitPredictTimer's hooks hold the training thread (issue 10).

Every hook of the timer is wrapped with a clock for one run of a convnet
fit with `validation_split` (3 epochs), an evaluate and a predict; the
table gives each hook's p50, p99 and max, leaving out the first hook of
each call (`on_train_begin`, `on_test_begin`, `on_predict_begin`: they
read the data adapter once) and the last (`on_train_end`, `on_test_end`,
`on_predict_end`: the final write and the printed summary, after the
call's last step). Target: every per-step and per-epoch hook under 1 ms at
p99.

    KERAS_BACKEND=tensorflow python benchmarks/hooks.py
"""

import argparse
import collections
import tempfile
import time

import numpy as np

FIRST_OF_CALL = ("on_train_begin", "on_test_begin", "on_predict_begin")
END_OF_CALL = ("on_train_end", "on_test_end", "on_predict_end")


def timed(timer, durations):
    for name in dir(type(timer)):
        if name.startswith("on_") and callable(getattr(timer, name)):
            hook = getattr(timer, name)

            def wrapper(*args, _hook=hook, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _hook(*args, **kwargs)
                finally:
                    durations[_name].append(time.perf_counter() - start)

            setattr(timer, name, wrapper)
    return timer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3000)
    args = parser.parse_args()

    import keras

    from keras_timing import FitPredictTimer

    x = np.random.rand(args.samples, 28, 28, 1).astype("float32")
    y = keras.utils.to_categorical(
        np.random.randint(0, 10, args.samples), 10)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    durations = collections.defaultdict(list)
    timer = timed(FitPredictTimer(log_dir=tempfile.mkdtemp(), verbose=0),
                  durations)
    model.fit(x, y, batch_size=32, epochs=3, validation_split=0.2,
              verbose=0, callbacks=[timer])
    model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    print("backend %s; ms per hook call\n" % keras.backend.backend())
    print("| hook | calls | p50 | p99 | max |\n|---|---:|---:|---:|---:|")
    worst = 0.0
    for name in sorted(durations):
        ms = np.array(durations[name]) * 1e3
        p99 = np.percentile(ms, 99)
        if name not in FIRST_OF_CALL + END_OF_CALL:
            worst = max(worst, p99)
        print("| %s%s | %d | %.3f | %.3f | %.3f |" % (
            name, " (first of a call)" if name in FIRST_OF_CALL else
            " (end of a call)" if name in END_OF_CALL else "",
            len(ms), np.median(ms), p99, ms.max()))
    print("\nverdict: per-step and per-epoch hooks, worst p99 %.3f ms "
          "(target < 1 ms): %s" % (worst, "met" if worst < 1 else "missed"))


if __name__ == "__main__":
    main()
