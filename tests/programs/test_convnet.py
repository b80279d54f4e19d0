"""A convnet with `validation_split`, as in Keras's image-classification
examples: Conv2D on 16x16x1 images, 3 epochs, a partial last batch in both
the training and the validation data."""

import math

import keras
import numpy as np
import pytest

from keras_timing import FitPredictTimer
from keras_timing import schema
from tests.programs import readback

SAMPLES, BATCH, EPOCHS, SPLIT = 170, 32, 3, 0.2


def _convnet():
    model = keras.Sequential([
        keras.Input((16, 16, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.mark.parametrize("async_counter", [True, False],
                         ids=["async-callbacks", "sync-callback"])
def test_convnet_with_validation_split(tmp_path, async_counter):
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, 16, 16, 1), dtype="float32")
    y = rng.integers(0, 4, SAMPLES)
    model = _convnet()
    counter = readback.Counter()
    # A user's own callback that is not async_safe makes Keras run every
    # end hook on the training thread: the timer must be right either way.
    counter.async_safe = async_counter
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(
        model.fit, x, y, epochs=EPOCHS, batch_size=BATCH,
        validation_split=SPLIT, verbose=0, callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, x, batch_size=BATCH,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()
    launch = timer.launch_dir

    # The split Keras makes: the last 20% (rounded down) is validation.
    train_n = int(math.ceil(SAMPLES * (1 - SPLIT)))
    val_n = SAMPLES - train_n
    per_epoch = -(-train_n // BATCH)
    val_steps = -(-val_n // BATCH)
    assert counter.calls["train"] == [EPOCHS * per_epoch]
    assert counter.calls["test"] == [val_steps] * EPOCHS
    readback.assert_steps(launch, schema.TRAIN, EPOCHS * per_epoch)
    readback.assert_steps(launch, schema.VALIDATION, EPOCHS * val_steps)
    readback.assert_steps(launch, schema.PREDICT, -(-SAMPLES // BATCH))

    readback.assert_fit_accounted(launch, fit_ms, counter=counter)
    readback.assert_predict_accounted(launch, predict_ms, counter)
    readback.assert_ratio_present(launch, timer)

    readback.assert_samples_per_sec(launch, schema.TRAIN, EPOCHS * train_n)
    readback.assert_samples_per_sec(launch, schema.VALIDATION,
                                    EPOCHS * val_n)
    readback.assert_samples_per_sec(launch, schema.PREDICT, SAMPLES)
    if keras.backend.backend() == "jax":
        # The first partial batch compiles the step again; later epochs
        # reuse that program. (TensorFlow traces the step once, for a
        # dataset whose batch dimension is None; torch runs eagerly.)
        train = readback.scalars(launch, schema.TRAIN)
        assert [s for s, _ in train[schema.RECOMPILE_MS]] == [per_epoch]
