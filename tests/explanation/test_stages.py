"""The stage programs run what their names say, read back from the model's
variables and compared with what numpy computes from the same weights."""

import numpy as np
import pytest

import keras

from explanation.models import L2
from explanation.models import LEARNING_RATE
from explanation.models import CustomStep
from explanation.models import arrays
from explanation.models import mlp
from explanation.models import values
from keras_timing.explanation import stages


@pytest.fixture
def built():
    """An mlp that has trained one batch (optimizer and metrics built)."""
    model = mlp()
    x, y = arrays(samples=32)
    model.train_on_batch(x, y)
    return model, x, y


def run(model, name, x, y):
    """Runs the program `name` once; returns its outputs, the weights,
    iterations and metric results before and after."""
    p = stages.programs(model)
    batch = p.to_device((x, y, None))
    program = dict(p.stages)[name]
    model.reset_metrics()
    before = values(model.trainable_variables)
    start = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    out = program(batch)
    p.sync(out)
    p.finish()
    return dict(out=out, before=before,
                after=values(model.trainable_variables),
                trained=int(keras.ops.convert_to_numpy(
                    model.optimizer.iterations)) - start,
                metrics={k: float(keras.ops.convert_to_numpy(v)) for k, v in
                         model.get_metrics_result().items()})


def numpy_step(weights, x, y):
    """Prediction, loss (MSE + L2) and output-bias gradient of the mlp."""
    k1, b1, k2, b2 = weights
    pred = np.maximum(x @ k1 + b1, 0) @ k2 + b2
    loss = np.mean((pred - y) ** 2) + L2 * np.sum(k1 ** 2)
    return pred, loss, 2 * np.mean(pred - y)


def first(out):
    return np.asarray(keras.ops.convert_to_numpy(keras.tree.flatten(out)[0]))


def test_stage_names_are_in_step_order(built):
    model, _, _ = built
    assert [n for n, _ in stages.programs(model).stages] == \
        list(stages.STAGES)


@pytest.mark.parametrize("name", ["dispatch", "forward", "loss", "backward"])
def test_programs_before_the_optimizer_leave_the_weights(built, name):
    model, x, y = built
    r = run(model, name, x, y)
    for a, b in zip(r["before"], r["after"]):
        np.testing.assert_array_equal(a, b)
    assert r["trained"] == 0


def test_forward_computes_the_prediction(built):
    model, x, y = built
    weights = values(model.trainable_variables)
    r = run(model, "forward", x, y)
    np.testing.assert_allclose(first(r["out"]),
                               numpy_step(weights, x, y)[0], rtol=1e-4)


def test_loss_includes_the_regularizer(built):
    model, x, y = built
    weights = values(model.trainable_variables)
    r = run(model, "loss", x, y)
    assert float(first(r["out"])) == pytest.approx(
        numpy_step(weights, x, y)[1], rel=1e-4)


def test_backward_gives_fresh_gradients_each_call(built):
    # Twice: gradients left over from a call must not add to the next.
    model, x, y = built
    expected = numpy_step(values(model.trainable_variables), x, y)[2]
    for _ in range(2):
        r = run(model, "backward", x, y)
        grads = r["out"][1]
        bias = keras.ops.convert_to_numpy(grads[-1])
        assert float(bias[0]) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("name", ["optimizer", "metrics"])
def test_optimizer_and_after_apply_the_gradients(built, name):
    model, x, y = built
    r = run(model, name, x, y)
    expected = numpy_step(r["before"], x, y)[2]
    assert r["trained"] == 1
    assert r["after"][-1][0] == pytest.approx(
        r["before"][-1][0] - LEARNING_RATE * expected, rel=1e-4)


def test_only_the_metrics_program_updates_the_metrics(built):
    model, x, y = built
    assert run(model, "optimizer", x, y)["metrics"]["mae"] == 0
    r = run(model, "metrics", x, y)
    pred, loss, _ = numpy_step(r["before"], x, y)
    assert r["metrics"]["mae"] == pytest.approx(
        np.mean(np.abs(pred - y)), rel=1e-4)
    assert r["metrics"]["loss"] == pytest.approx(loss, rel=1e-4)


def test_a_custom_train_step_gets_no_stages_and_its_own_step_runs():
    model = CustomStep()
    model.compile(optimizer="sgd", loss="mse")
    x, y = arrays(samples=32)
    model.train_on_batch(x, y)
    p = stages.programs(model)
    assert p.stages == [] and p.merged == {}
    assert "train_step" in p.no_stages
    start = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    before = values(model.trainable_variables)
    out = p.train_step(p.to_device((x, y)))
    p.sync(out)
    p.finish()
    logs = out[0] if isinstance(out, tuple) else out
    assert "custom" in logs
    assert int(keras.ops.convert_to_numpy(
        model.optimizer.iterations)) == start + 1
    assert any((a != b).any() for a, b in
               zip(before, values(model.trainable_variables)))


def test_the_models_own_functions_run(built):
    model, x, y = built
    p = stages.programs(model)
    batch = p.to_device((x, y, None))
    start = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    p.sync(p.train_step(batch))
    p.sync(p.predict_step(batch))
    p.finish()
    assert int(keras.ops.convert_to_numpy(
        model.optimizer.iterations)) == start + 1
    assert model.predict(x[:4], verbose=0).shape == (4, 1)


def test_an_unknown_backend_is_refused(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(ValueError, match="explain is not available on the "
                                         "'numpy' backend"):
        stages.programs(mlp())
