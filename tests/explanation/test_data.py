"""Batches, snapshot/restore and synthetic data."""

import numpy as np
import pytest

import keras

from explanation.models import arrays
from explanation.models import mlp
from explanation.models import values
from keras_timing.explanation import data


def test_a_partial_last_batch_is_dropped_and_fit_uses_whole_epochs():
    x, y = arrays(samples=100)
    b = data.Batches(x, y, 32, fit_steps=7)
    # As fit hands them to train_step: (x, y).
    assert [len(bx) for bx, _ in b.batches] == [32, 32, 32]
    np.testing.assert_array_equal(b.batches[1][0], x[32:64])
    args = b.fit_args(7)
    assert args["steps_per_epoch"] * args["epochs"] == 6


def test_a_one_shot_generator_is_replayed_to_fit():
    x, y = arrays(samples=32 * 5)
    gen = ((x[i:i + 32], y[i:i + 32]) for i in range(0, 160, 32))
    b = data.Batches(gen, None, None, fit_steps=3)
    assert b.one_shot and b.batch_size == 32
    replay = list(b.fit_args(3)["x"])
    assert len(replay) == 3
    np.testing.assert_array_equal(replay[2][0], x[64:96])


def test_a_stream_with_one_full_batch_is_refused():
    x, y = arrays(samples=40)
    gen = ((x[i:i + 32], y[i:i + 32]) for i in range(0, 40, 32))
    with pytest.raises(ValueError, match="1 full batch"):
        data.Batches(gen, None, None, fit_steps=3)


def test_batches_without_targets_are_refused():
    x, _ = arrays()
    with pytest.raises(ValueError, match="no targets"):
        data.Batches(((x[:32],) for _ in range(3)), None, None, 3)


def test_snapshot_and_restore_round_trip_the_optimizer_too():
    model = mlp()
    x, y = arrays()
    model.fit(x, y, epochs=1, verbose=0)
    saved = data.snapshot(model)
    before = values(model.variables + model.optimizer.variables)
    model.fit(x, y, epochs=1, verbose=0)
    data.restore(saved)
    for a, b in zip(before,
                    values(model.variables + model.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    assert len({id(v) for v, _ in saved}) == len(saved)


def test_synthetic_data_follows_the_model_and_its_losses():
    a, b = keras.Input((5,)), keras.Input((None, 2))
    h = keras.layers.Concatenate()(
        [a, keras.layers.GlobalAveragePooling1D()(b)])
    model = keras.Model([a, b], [keras.layers.Dense(3)(h),
                                 keras.layers.Dense(1)(h)])
    model.compile(optimizer="sgd",
                  loss=["sparse_categorical_crossentropy", "mse"])
    x, y = data.synthetic_data(model, 10)
    assert [t.shape for t in x] == [(10, 5), (10, 16, 2)]
    assert y[0].shape == (10,) and set(np.unique(y[0])) <= {0, 1, 2}
    assert y[1].shape == (10, 1) and y[1].dtype == np.float32


def test_synthetic_data_needs_known_shapes():
    from explanation.models import Subclassed

    model = Subclassed()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="--data"):
        data.synthetic_data(model, 10)


def test_without_targets_the_batches_are_x_alone_as_fit_feeds_them():
    # A model with its own train_step (a VAE) is fit on x alone.
    x, _ = arrays(samples=96)
    with pytest.raises(ValueError, match="y is required"):
        data.Batches(x, None, 32, 3)
    b = data.Batches(x, None, 32, 3, targets=False)
    assert [np.shape(bx) for bx in b.batches] == [(32, 8)] * 3
    assert b.fit_args(3)["y"] is None
    gen = ((x[i:i + 32],) for i in range(0, 96, 32))
    stream = data.Batches(gen, None, None, 2, targets=False)
    halves = stream.resized(16)
    assert [np.shape(h) for h in halves] == [(16, 8)] * 4
    np.testing.assert_array_equal(halves[3], x[48:64])
