"""The article's dense model, fit 3 epochs then predict, three times in a
row: the fit/predict ratio must be the same program's answer each time,
within the machine's own noise.

Not a timing assertion against a fixed number: on a shared machine the
same program's true ratio moves. The predict call's counted steps take
about 3 ms in all here (30 steps of 0.1 ms on JAX), so one hiccup of a few
ms, common in the steps right after a compile and on a loaded machine,
moves the ratio 2-5x (measured: JAX 1.17 to 4.67 at load 12 on 2 cores).
So the timer's spread is compared with the spread of an independent clock
on the same steps of the same runs: max/min of the timer's ratios must
stay under 3, or under twice the independent clock's max/min when the
machine is noisier than that. A ratio that swings by itself (issue 10:
per-step medians of split intervals) fails it; a busy machine does not.
Both are printed.
"""

import math
import time

import keras

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from tests.programs import readback

SPREAD = 3.0
SAMPLES, BATCH, EPOCHS = 1000, 32, 3


class BeginClock(keras.callbacks.Callback):
    """Per epoch and per predict call, the begin hooks of its second and
    last batches: the steps between them are the ones the timer counts
    (the first batch compiles, and on JAX the last, partial one compiles
    again), timed on the host apart from the timer."""

    def __init__(self, last_batch):
        super().__init__()
        self.last_batch = last_batch
        self.train, self.predict = [], []

    def _note(self, spans, batch):
        if batch == 1:
            spans.append([time.perf_counter()])
        elif batch == self.last_batch:
            spans[-1].append(time.perf_counter())

    def on_train_batch_begin(self, batch, logs=None):
        self._note(self.train, batch)

    def on_predict_batch_begin(self, batch, logs=None):
        self._note(self.predict, batch)


def _independent_ratio(clock):
    """Train time per epoch over predict time, on the same windows (the
    same samples in each)."""
    train = sum(end - begin for begin, end in clock.train) / EPOCHS
    begin, end = clock.predict[-1]
    return train / (end - begin)


def test_ratio_agrees_over_three_identical_runs(tmp_path):
    ratios, independent = [], []
    for i in range(3):
        model, x, y = demo.dense_example(keras, samples=SAMPLES)
        timer = FitPredictTimer(log_dir=tmp_path, launch_name="run%d" % i,
                                verbose=0)
        clock = BeginClock(last_batch=-(-SAMPLES // BATCH) - 1)
        model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0,
                  callbacks=[timer, clock])
        model.predict(x, batch_size=BATCH, verbose=0,
                      callbacks=[timer, clock])
        timer.flush()
        readback.assert_ratio_present(timer.launch_dir, timer)
        # The ratio is the quotient of the two runs' totals on disk.
        train = readback.summary_value(timer.launch_dir, schema.TRAIN,
                                       "ms_per_sample")
        predict = readback.summary_value(timer.launch_dir, schema.PREDICT,
                                         "ms_per_sample")
        assert math.isclose(timer.fit_predict_ratio, train / predict,
                            rel_tol=1e-5)
        ratios.append(timer.fit_predict_ratio)
        independent.append(_independent_ratio(clock))
    spread = max(ratios) / min(ratios)
    machine = max(independent) / min(independent)
    print("fit/predict ratios (%s): timer %s (max/min %.2f); independent "
          "clock %s (max/min %.2f)" % (
              keras.backend.backend(), ", ".join("%.2f" % r for r in ratios),
              spread, ", ".join("%.2f" % r for r in independent), machine))
    assert spread < max(SPREAD, 2 * machine), (ratios, independent)
