"""The article's CNN, fitted and predicted with a FLOP-counting timer: the
set-up the FLOPs, utilisation and memory tests share, and its analytic
FLOP counts.

Per sample. Predict: conv 26*26*32*9*2 = 389,376 plus dense 5,408*10*2 =
108,160 = 497,536 multiply-adds counted as 2 FLOPs; the frameworks that
also count bias, ReLU and pooling add ~13%. Train: forward + the weights'
gradients (2x forward, less the first layer's input gradient, never
computed) = 1,103,232, plus elementwise ops and the optimizer update where
the framework counts them (up to ~+40%).
"""

import keras

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema

PREDICT_FLOPS = 497_536
TRAIN_FLOPS = 1_103_232
# (run, analytic FLOPs per sample, the highest ratio a framework counts)
ANALYTIC = [(schema.TRAIN, TRAIN_FLOPS, 1.40),
            (schema.PREDICT, PREDICT_FLOPS, 1.25)]


def timed_cnn(log_dir, steps_per_execution=None):
    """Fits the CNN two epochs and predicts, timed with FLOPs counted.

    Args:
        log_dir: The timer's log folder.
        steps_per_execution: Keras's, where the model is compiled again
            with it; None keeps `demo.cnn_example`'s compile.

    Returns:
        The `FitPredictTimer`, its launch written.
    """
    model, x, y = demo.cnn_example(keras, samples=320)
    if steps_per_execution is not None:
        model.compile(optimizer="adam", loss="categorical_crossentropy",
                      metrics=["accuracy"],
                      steps_per_execution=steps_per_execution)
    timer = FitPredictTimer(log_dir=str(log_dir), verbose=0,
                            count_flops=True)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    # The counts run on the counting thread and land after the call when
    # no summary waits for them: `flush` waits for them, as a reader must.
    timer.flush()
    return timer
