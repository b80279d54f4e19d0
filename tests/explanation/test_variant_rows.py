"""explain's variant rows from known call times: the samples of a call (a
train call of a `steps_per_execution=N` clone runs N batches), the ms per
sample, and the speedup with its interval; answers worked out by hand."""

import numpy as np
import pytest

import keras

from keras_timing import demo
from keras_timing.explanation import data as data_lib
from keras_timing.explanation import variants as variants_lib
from keras_timing.explanation.changes import parse


@pytest.fixture(scope="module")
def trials():
    model, x, y = demo.dense_example(keras, samples=256)
    data = data_lib.Batches(x, y, 32, fit_steps=2)
    made = {"base": variants_lib.Trial(model, data)}
    for change in ("steps_per_execution=4", "batch_size=64"):
        made[change] = variants_lib.Trial(model, data, parse(change))
    yield made
    for t in made.values():
        t.finish()


def _timed(trials, ms):
    """`{call name: per-round ms}`: `ms[change] = (train, predict)` rounds."""
    out = {}
    for change, (train, predict) in ms.items():
        names = trials[change].names
        out[names[0]], out[names[1]] = np.array(train), np.array(predict)
    return out


def test_a_call_holds_steps_per_execution_batches(trials):
    assert trials["base"].samples == 32
    assert trials["batch_size=64"].samples == 64
    spe = trials["steps_per_execution=4"]
    if keras.backend.backend() == "torch":
        # Keras refuses it on torch; the row says why.
        assert "must be 1 with the PyTorch backend" in spe.error
    else:
        assert spe.error is None and spe.samples == 4 * 32


def test_rows_from_known_call_times(trials):
    ok = [c for c in ("steps_per_execution=4", "batch_size=64")
          if trials[c].error is None]
    # Baseline: 64 ms a train call and 16 ms a predict call of 32 samples:
    # 2 and 0.5 ms per sample. steps_per_execution=4: 128 samples a call,
    # 64 ms train: 0.5 ms per sample, a speedup of 4. batch_size=64: 64
    # samples, 96 ms: 1.5 ms per sample, a speedup of 4 / 3. Every round
    # the same, so the interval is the point.
    ms = {"base": ([64.0] * 5, [16.0] * 5),
          "steps_per_execution=4": ([64.0] * 5, [32.0] * 5),
          "batch_size=64": ([96.0] * 5, [16.0] * 5)}
    timed = _timed(trials, {c: ms[c] for c in ["base"] + ok})
    base, rows = variants_lib.rows(trials["base"],
                                   [trials[c] for c in ok], timed)
    assert base == {"train_ms_per_sample": 2.0,
                    "predict_ms_per_sample": 0.5, "error": None}
    expected = {"steps_per_execution=4": (0.5, 0.25, 4.0),
                "batch_size=64": (1.5, 0.25, 4 / 3)}
    for row in rows:
        train, predict, speedup = expected[row["change"]]
        assert (row["train_ms_per_sample"], row["predict_ms_per_sample"],
                row["speedup"], row["speedup_low"], row["speedup_high"]) == (
            pytest.approx((train, predict, speedup, speedup, speedup)))
        assert row["error"] is None


def test_the_speedup_is_of_medians_and_its_interval_holds_it(trials):
    # Baseline train rounds 60, 64, 200 ms (a slow round): median 64, 2 ms
    # per sample. batch_size=64 rounds 64, 70, 64: median 64, 1 ms per
    # sample. Speedup 2, not the means' ratio (324 / 32) / (198 / 64).
    timed = _timed(trials, {"base": ([60.0, 64.0, 200.0], [16.0] * 3),
                            "batch_size=64": ([64.0, 70.0, 64.0],
                                              [16.0] * 3)})
    _, (row,) = variants_lib.rows(trials["base"], [trials["batch_size=64"]],
                                  timed)
    assert row["speedup"] == pytest.approx(2.0)
    assert row["speedup_low"] <= 2.0 <= row["speedup_high"]
    assert row["speedup_low"] < row["speedup_high"]
