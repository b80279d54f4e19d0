"""A small transformer text classifier, as in Keras's "text classification
with Transformer" example: integer tokens, Embedding, one self-attention
block, global average pooling."""

import keras
import numpy as np

from keras_timing import FitPredictTimer
from keras_timing import schema
from tests.programs import readback

VOCAB, LENGTH, SAMPLES, BATCH, EPOCHS = 50, 16, 100, 32, 2


def _transformer():
    tokens = keras.Input((LENGTH,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 16)(tokens)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    x = keras.layers.LayerNormalization()(x + attended)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(tokens, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_transformer_text_classifier(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, VOCAB, (SAMPLES, LENGTH)).astype("int32")
    y = rng.integers(0, 2, SAMPLES)
    model = _transformer()
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, x, y, epochs=EPOCHS,
                               batch_size=BATCH, verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, x, batch_size=BATCH,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()

    per_epoch = -(-SAMPLES // BATCH)
    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, EPOCHS * per_epoch, per_epoch)
    readback.assert_samples_per_sec(launch, schema.TRAIN, EPOCHS * SAMPLES)
    readback.assert_samples_per_sec(launch, schema.PREDICT, SAMPLES)
