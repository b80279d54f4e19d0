"""Data from plain Python: a `keras.utils.PyDataset` (its batch size is only
known by reading it) and a generator of `(x, y)` batches with
`steps_per_epoch`."""

import keras
import numpy as np

from keras_timing import FitPredictTimer
from keras_timing import schema
from tests.programs import readback

BATCH = 32


def _dense():
    model = keras.Sequential([keras.Input((6,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class Batches(keras.utils.PyDataset):
    """Batches of `BATCH` rows of `x` (and `y`), the last one partial."""

    def __init__(self, x, y=None):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return -(-len(self.x) // BATCH)

    def __getitem__(self, i):
        part = slice(i * BATCH, (i + 1) * BATCH)
        return self.x[part] if self.y is None else (self.x[part],
                                                    self.y[part])


def test_py_dataset_two_epochs_then_predict(tmp_path):
    rng = np.random.default_rng(6)
    n = 150
    x = rng.random((n, 6), dtype="float32")
    y = rng.random((n, 1), dtype="float32")
    model = _dense()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, Batches(x, y), epochs=2,
                               verbose=0, callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, Batches(x), verbose=0,
                                   callbacks=[timer, counter])
    timer.flush()

    per_epoch = -(-n // BATCH)
    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, 2 * per_epoch, per_epoch)
    # samples/s on every step, the partial last batch at its true size.
    readback.assert_samples_per_sec(launch, schema.TRAIN, 2 * n)
    readback.assert_samples_per_sec(launch, schema.PREDICT, n)


def test_generator_with_steps_per_epoch(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.random((BATCH * 10, 6), dtype="float32")
    y = rng.random((BATCH * 10, 1), dtype="float32")

    def batches(with_y=True):
        i = 0
        while True:
            part = slice(i * BATCH, (i + 1) * BATCH)
            yield (x[part], y[part]) if with_y else (x[part],)
            i = (i + 1) % 10

    model = _dense()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, batches(), steps_per_epoch=5,
                               epochs=2, verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, batches(False), steps=4,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()

    launch = readback.assert_fit_then_predict(timer, counter, fit_ms,
                                              predict_ms, 10, 4)
    # The batch size is read from the generator's first batch.
    readback.assert_samples_per_sec(launch, schema.TRAIN, 10 * BATCH)
