"""explain(variants=...) and `--try`: rows read back from the result and the
CLI's JSON, the clones' own step counts, and the user's model untouched."""

import contextlib
import io
import json
import math

import numpy as np
import pytest

import keras

from explanation.models import values
from keras_timing import cli
from keras_timing import demo
from keras_timing import explain
from keras_timing.explanation import variants as variants_lib

FIELDS = ("change", "train_ms_per_sample", "predict_ms_per_sample",
          "speedup", "speedup_low", "speedup_high", "error")
# Enough rounds that batch 128 vs 32 is a direction, not a coin toss.
ROUNDS = dict(steps=8, warmup=2, fit_steps=4)
TOO_BIG = "batch_size=100000"


@pytest.fixture
def clones(monkeypatch):
    """The clones explain recompiles, by change."""
    made = {}
    real = variants_lib.recompiled

    def spy(model, variant=None):
        clone = real(model, variant)
        made[variant.change if variant else variants_lib.BASELINE] = clone
        return clone

    monkeypatch.setattr(variants_lib, "recompiled", spy)
    return made


def test_each_variant_is_measured_or_says_why(clones):
    model, x, y = demo.dense_example(keras, samples=1024)
    changes = ["steps_per_execution=4", "batch_size=128", "jit_compile=true",
               TOO_BIG]
    r = explain(model, x, y, batch_size=32, variants=changes, **ROUNDS)
    rows = json.loads(json.dumps(r.to_dict()))["variants"]
    assert [v["change"] for v in rows] == changes
    base = r.variants_baseline
    for v in rows:
        assert set(FIELDS) <= set(v)
        if v["error"] is not None:
            assert v["speedup"] is None and v["train_ms_per_sample"] is None
            continue
        assert v["speedup_low"] <= v["speedup"] <= v["speedup_high"]
        assert v["train_ms_per_sample"] > 0 and v["predict_ms_per_sample"] > 0
        # The speedup is of the medians the row reports.
        assert math.isclose(v["speedup"], base["train_ms_per_sample"]
                            / v["train_ms_per_sample"], rel_tol=1e-9)
    by = {v["change"]: v for v in rows}
    assert "fewer than batch_size=100000" in by[TOO_BIG]["error"]
    # A batch of 128 shares one call's fixed cost among 4x the samples.
    assert by["batch_size=128"]["error"] is None
    assert (by["batch_size=128"]["train_ms_per_sample"]
            < base["train_ms_per_sample"])
    spe = by["steps_per_execution=4"]
    if keras.backend.backend() == "torch":
        # Keras refuses it when the clone's train function is made.
        assert "must be 1 with the PyTorch backend" in spe["error"]
    else:
        assert spe["error"] is None
        # Each timed call ran 4 optimizer steps of the clone.
        calls = ROUNDS["warmup"] + ROUNDS["steps"]
        clone = clones["steps_per_execution=4"]
        assert int(keras.ops.convert_to_numpy(
            clone.optimizer.iterations)) == 4 * calls
    assert clones["batch_size=128"].steps_per_execution == 1
    text = str(r)
    assert "failed: ValueError: x has 1024 samples" in text
    assert "(unchanged clone)" in text


def test_the_users_model_is_not_recompiled_or_changed():
    model, x, y = demo.dense_example(keras, samples=256)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    train_function, optimizer = model.train_function, model.optimizer
    weights = values(model.variables + optimizer.variables)
    explain(model, x, y, variants=["steps_per_execution=2",
                                   "jit_compile=false"],
            steps=2, warmup=1, fit_steps=2)
    assert model.train_function is train_function
    assert model.optimizer is optimizer
    assert model.steps_per_execution == 1
    for before, after in zip(weights, values(model.variables
                                             + optimizer.variables)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("bad, message", [
    (["epochs=2"], "variants must be one of steps_per_execution=N, "
                   "batch_size=N, jit_compile=true|false; got 'epochs=2'"),
    (["batch_size=0"], "got 'batch_size=0'"),
    (["jit_compile=yes"], "got 'jit_compile=yes'"),
    ("batch_size=8", "variants must be a list of strings"),
])
def test_bad_variants_are_refused(bad, message):
    model, x, y = demo.dense_example(keras, samples=64)
    with pytest.raises(ValueError) as e:
        explain(model, x, y, variants=bad)
    assert message in str(e.value)


@pytest.mark.parametrize("value", ["bad", "steps_per_execution=x",
                                   "batch_size=-1", "jit_compile="])
def test_a_bad_try_exits_2_naming_it(tmp_path, capsys, value):
    path = str(tmp_path / "m.keras")
    demo.dense_example(keras, samples=64)[0].save(path)
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["explain", path, "--try", "batch_size=64",
                         "--try", value])
    assert code == 2
    err = capsys.readouterr().err
    assert "--try must be one of steps_per_execution=N" in err
    assert repr(value) in err


def test_try_in_the_cli_json(tmp_path):
    path = str(tmp_path / "m.keras")
    demo.dense_example(keras, samples=64)[0].save(path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["explain", path, "--json", "--steps", "3",
                         "--fit-steps", "2", "--try", "batch_size=64",
                         "--try", "jit_compile=false"])
    assert code == 0
    (r,) = json.loads(out.getvalue())
    assert [v["change"] for v in r["variants"]] == ["batch_size=64",
                                                    "jit_compile=false"]
    assert r["variants_baseline"]["train_ms_per_sample"] > 0
