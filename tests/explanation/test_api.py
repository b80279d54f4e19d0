"""explain() end to end: what it ran, what it left behind, what it refuses."""

import re

import numpy as np
import pytest

import keras

from explanation.custom_steps import Autoencoder
from explanation.custom_steps import GuideStep
from explanation.custom_steps import NoPredict
from explanation.models import FAST
from explanation.models import CustomStep
from explanation.models import Subclassed
from explanation.models import arrays
from explanation.models import mlp
from explanation.models import values
from keras_timing import explain
from keras_timing.explanation import api
from keras_timing.explanation import data as data_lib
from keras_timing.explanation import stages


def iterations(model):
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def check_stages(result):
    """Every stage is there exactly once, in step order, merged or not; a
    merged name says why."""
    flat = [s for k in result.stages_ms for s in k.split("+")]
    assert flat == list(stages.STAGES)
    for k in result.stages_ms:
        if "+" in k:
            assert result.merged[k]


@pytest.fixture
def trained_steps(monkeypatch):
    """Records the optimizer's step count when explain restores it."""
    seen = []
    real = data_lib.restore

    def spy(saved):
        for v, value in saved:
            if v is spy.model.optimizer.iterations:
                seen.append((int(value), iterations(spy.model)))
        real(saved)

    monkeypatch.setattr(data_lib, "restore", spy)
    return spy, seen


@pytest.mark.parametrize("make, per_round", [(mlp, 3), (CustomStep, 1)])
def test_the_documented_step_count_is_what_explain_trains(trained_steps,
                                                          make, per_round):
    spy, seen = trained_steps
    model = spy.model = make()
    if make is CustomStep:
        model.compile(optimizer="sgd", loss="mse")
    x, y = arrays()
    r = explain(model, x, y, batch_size=32, **FAST)
    (before, after), = seen
    # 128 samples hold 4 batches, so fit_steps=4 is one epoch of 4 steps.
    documented = FAST["fit_steps"] + per_round * (FAST["warmup"]
                                                  + FAST["steps"])
    assert after - before == documented
    assert "%d * (warmup + steps)" % per_round in api.explain.__doc__
    assert "trained the model for %d steps" % documented in " ".join(r.notes)
    assert iterations(model) == before


def test_the_model_is_left_as_it_was():
    x, y = arrays()
    model = mlp()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    before = values(model.variables + model.optimizer.variables)
    r = explain(model, x, y, batch_size=32, **FAST)
    after = values(model.variables + model.optimizer.variables)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    assert not any("did not exist" in n for n in r.notes)
    # And it still trains and predicts.
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model.predict(x[:8], verbose=0).shape == (8, 1)


def test_variables_created_during_explain_are_noted():
    # An optimizer that never ran has no slots yet: they are made during
    # explain and cannot be put back.
    x, y = arrays()
    r = explain(mlp(optimizer="adam"), x, y, batch_size=32, **FAST)
    assert any("did not exist before explain" in n for n in r.notes)


def test_the_sum_check_times_the_models_own_train_function():
    model = mlp()
    model.make_train_function()
    real, calls = model.train_function, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    model.train_function = counted
    x, y = arrays()
    explain(model, x, y, batch_size=32, **FAST)
    assert len(calls) == FAST["fit_steps"] + FAST["warmup"] + FAST["steps"]


def test_a_failed_sum_check_is_noted(monkeypatch):
    real = api.measure.measure

    def slow_train_function(*args, **kwargs):
        timed = real(*args, **kwargs)
        timed["train_function"] = timed["train_function"] * 10 + 1
        return timed

    monkeypatch.setattr(api.measure, "measure", slow_train_function)
    x, y = arrays()
    r = explain(mlp(), x, y, batch_size=32, **FAST)
    assert not r.sum_check_ok
    assert any("off the model's own step" in n for n in r.notes)
    assert "does NOT agree" in str(r)


def test_subclassed_and_multi_io_models():
    sub = Subclassed()
    sub.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = arrays()
    check_stages(explain(sub, x, y, batch_size=32, **FAST))

    a, b = keras.Input((8,), name="a"), keras.Input((4,), name="b")
    h = keras.layers.Dense(16, activation="relu")(
        keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], [keras.layers.Dense(1)(h),
                                 keras.layers.Dense(3, "softmax")(h)])
    model.compile(optimizer="adam",
                  loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[[], ["accuracy"]])
    rng = np.random.default_rng(0)
    x = [rng.random((96, 8), dtype=np.float32),
         rng.random((96, 4), dtype=np.float32)]
    y = [rng.random((96, 1), dtype=np.float32), rng.integers(0, 3, 96)]
    r = explain(model, x, y, batch_size=32, **FAST)
    check_stages(r)
    assert r.batch_size == 32


def test_generator_and_tf_data():
    x, y = arrays(samples=32 * 8)

    def batches():
        for i in range(0, len(x), 32):
            yield x[i:i + 32], y[i:i + 32]

    r = explain(mlp(), batches(), **FAST)
    check_stages(r)
    assert r.batch_size == 32
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        assert explain(mlp(), ds, **FAST).batch_size == 16


@pytest.mark.parametrize("change, message", [
    (dict(model="uncompiled"), "not compiled"),
    (dict(model="not a model"), "keras.Model"),
    (dict(y=np.zeros((100, 1), "float32")), "same number of samples"),
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=2.5), "batch_size"),
    (dict(steps=0), "steps"),
    (dict(warmup=True), "warmup"),
    (dict(fit_steps=1), "fit_steps"),
    (dict(tolerance=0), "tolerance"),
    (dict(y=None), "y is required"),
    (dict(batch_size=1000), "fewer than batch_size"),
    (dict(x=None), "x is required"),
])
def test_bad_inputs_name_the_problem(change, message):
    x, y = arrays()
    args = dict(FAST, model=mlp(), x=x, y=y, batch_size=32)
    args.update(change)
    if args["model"] == "uncompiled":
        args["model"] = keras.Sequential([keras.Input((8,)),
                                          keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=message):
        explain(**args)


def test_a_model_without_trainable_weights_is_refused():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    x, y = arrays()
    with pytest.raises(ValueError, match="no trainable weights"):
        explain(model, x, y, **FAST)


@pytest.mark.parametrize("make, with_y", [(GuideStep, True),
                                          (Autoencoder, False)])
def test_a_custom_train_step_gets_the_batches_fit_gives_it(make, with_y):
    # The Keras guide's `x, y = data`, and a VAE-style `fit(x)`: explain
    # hands the step what fit hands it, and times it whole against predict.
    model = make()
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    x, y = arrays(outputs=1)
    y = y if with_y else None
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    from_fit = set(model.seen)
    model.seen.clear()
    # A fresh train function: compiled steps (JAX, TensorFlow) run the
    # Python of train_step only when traced, and trace again for a batch of
    # another structure, which `seen` would then hold.
    model.train_function = None
    r = explain(model, x, y, batch_size=32, **FAST)
    assert set(model.seen) == from_fit == {"tuple2" if with_y else "tensor"}
    assert r.no_stages == stages.NO_STAGES_REASON
    assert r.stages_ms == {} and r.shares == {} and r.merged == {}
    assert r.sum_check_ok is None
    assert r.train_step_ms == r.full_step_ms > 0
    assert r.predict_step_ms > 0
    assert r.ratio == pytest.approx(r.full_step_ms / r.predict_step_ms)
    text = str(r)
    assert "No stages: the model overrides train_step" in text
    assert not re.search(r"train step \(sum\) +[0-9]", text)
    assert "its own train_step, timed whole (no stages)" in r.sentence()
    assert r.to_dict()["no_stages"] == r.no_stages
    assert "| model.train_function |" in r.to_markdown()


def test_a_custom_step_whose_predict_cannot_run_is_timed_alone():
    model = NoPredict()
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    x, _ = arrays(inputs=8)
    r = explain(model, x, batch_size=32, **FAST)
    assert r.full_step_ms > 0 and r.no_stages
    assert np.isnan(r.predict_step_ms) and np.isnan(r.ratio)
    assert any("predict could not run (NotImplementedError: this model "
               "only trains)" in n for n in r.notes)
