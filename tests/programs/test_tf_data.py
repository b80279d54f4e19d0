"""`tf.data` pipelines fed to `fit` and `predict` (Keras accepts them on
every backend): a `.filter()` of unknown length, `from_generator` batches,
and dict inputs to a functional model of two named inputs."""

import keras
import numpy as np
import pytest

from keras_timing import FitPredictTimer
from keras_timing import schema
from tests.programs import readback

tf = pytest.importorskip("tensorflow", reason="tf.data needs TensorFlow")

BATCH = 32


def _dense(features=8):
    model = keras.Sequential([keras.Input((features,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_filter_of_unknown_length_three_epochs_then_predict(tmp_path):
    """Issue 10: Keras begins one step more than the data holds in each
    epoch; that step is dropped, the timer goes on, nothing else is lost."""
    rng = np.random.default_rng(2)
    x = rng.random((200, 8), dtype="float32")
    y = rng.random((200, 1), dtype="float32")
    keep = np.arange(200) % 5 != 0       # 160 samples kept
    kept = int(keep.sum())
    flags = tf.constant(keep)

    def dataset(with_y=True):
        data = tf.data.Dataset.from_tensor_slices(
            (np.arange(200), x, y)).filter(lambda i, a, b: flags[i])
        data = data.map(lambda i, a, b: (a, b) if with_y else a)
        return data.batch(BATCH)

    assert dataset().cardinality() == tf.data.UNKNOWN_CARDINALITY
    model = _dense()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, dataset(), epochs=3, verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, dataset(False), verbose=0,
                                   callbacks=[timer, counter])
    timer.flush()
    assert timer.launch_dir is not None

    per_epoch = kept // BATCH
    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, 3 * per_epoch, per_epoch)
    # The pipeline's length is unknown: each epoch's last step may be a
    # partial batch of unknown size, so it carries no samples/s (here it
    # is full, but nothing tells the timer so). Predict sizes its batches
    # from the outputs.
    last = [per_epoch * e for e in (1, 2, 3)]
    readback.assert_samples_per_sec(launch, schema.TRAIN,
                                    3 * (kept - BATCH), unsized=last)
    readback.assert_samples_per_sec(launch, schema.PREDICT, kept)


def test_filter_with_a_partial_last_batch_is_not_counted_as_full(tmp_path):
    """The filter leaves 150 samples: 4 full batches and one of 22. The
    adapter knows neither the length nor the last batch's size: the last
    step of each epoch is timed but left out of the per-sample figures,
    never counted as 32 samples."""
    rng = np.random.default_rng(3)
    x = rng.random((200, 8), dtype="float32")
    y = rng.random((200, 1), dtype="float32")
    data = tf.data.Dataset.from_tensor_slices((np.arange(200), x, y))
    data = data.filter(lambda i, a, b: i < 150).map(
        lambda i, a, b: (a, b)).batch(BATCH)
    model = _dense()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, data, epochs=2, verbose=0,
                               callbacks=[timer, counter])
    timer.flush()
    launch = timer.launch_dir
    assert counter.calls["train"] == [10]
    readback.assert_steps(launch, schema.TRAIN, 10)
    readback.assert_fit_accounted(launch, fit_ms, validation=False,
                                   counter=counter)
    readback.assert_samples_per_sec(launch, schema.TRAIN, 2 * 4 * BATCH,
                                    unsized=[5, 10])


def test_from_generator_of_batches_two_epochs_then_predict(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.random((150, 8), dtype="float32")
    y = rng.random((150, 1), dtype="float32")

    def batches(with_y):
        for start in range(0, len(x), BATCH):
            end = start + BATCH
            yield (x[start:end], y[start:end]) if with_y else x[start:end]

    spec_x = tf.TensorSpec((None, 8), tf.float32)
    spec_y = tf.TensorSpec((None, 1), tf.float32)
    train = tf.data.Dataset.from_generator(
        lambda: batches(True), output_signature=(spec_x, spec_y))
    infer = tf.data.Dataset.from_generator(
        lambda: batches(False), output_signature=spec_x)
    model = _dense()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, train, epochs=2, verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, infer, verbose=0,
                                   callbacks=[timer, counter])
    timer.flush()

    per_epoch = -(-150 // BATCH)
    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, 2 * per_epoch, per_epoch)
    # Predict batches are counted from their outputs.
    readback.assert_samples_per_sec(launch, schema.PREDICT, 150)


def test_dict_inputs_batched_with_batch_n(tmp_path):
    rng = np.random.default_rng(5)
    n = 128
    a = rng.random((n, 4), dtype="float32")
    b = rng.random((n, 3), dtype="float32")
    y = rng.random((n, 1), dtype="float32")
    data = tf.data.Dataset.from_tensor_slices(({"a": a, "b": b}, y))
    inputs = {"a": keras.Input((4,), name="a"),
              "b": keras.Input((3,), name="b")}
    joined = keras.layers.Concatenate()([inputs["a"], inputs["b"]])
    hidden = keras.layers.Dense(16, activation="relu")(joined)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, data.shuffle(n).batch(BATCH),
                               epochs=2, verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(
        model.predict, tf.data.Dataset.from_tensor_slices(
            {"a": a, "b": b}).batch(BATCH), verbose=0,
        callbacks=[timer, counter])
    timer.flush()

    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, 2 * n // BATCH, n // BATCH)
    # The batch size is read from the pipeline's `.batch(32)`.
    readback.assert_samples_per_sec(launch, schema.TRAIN, 2 * n)
    assert "per sample" in readback.summary_texts(
        launch, schema.PREDICT)[-1]
