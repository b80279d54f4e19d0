"""The advice each verdict carries: per bound, per backend and per loop."""

import math

import pytest

from analysis.verdict_runs import run
from keras_timing.analysis import verdict as v
from keras_timing.explanation import changes


def test_every_bound_has_advice_and_explain_tries_where_it_can():
    for bound in v.BOUNDS:
        assert v.advice(bound)
    for bound in ("host", "compute"):
        assert "keras-timing explain" in " ".join(v.advice(bound))


@pytest.mark.parametrize("bound", ["host", "compute"])
def test_explain_advice_names_only_what_explain_runs_on_the_backend(bound):
    # torch's trainer refuses steps_per_execution > 1, so explain cannot
    # try it there; where the backend is unknown, TensorFlow/JAX advice.
    slow = {"compute": dict(p50_ms=20.0, ms_per_step=20.0, mfu=0.3),
            "host": {}}[bound]
    for data_in_step, allowed in ((False, {"batch_size", "jit_compile"}),
                                  (True, None), (None, None)):
        result = v.verdict(run(**slow), data_in_step=data_in_step)
        assert result["bound"] == bound
        tried = [t.split("=")[0] for a in result["advice"]
                 for t in a.split("--try ")[1:]]
        assert tried, result["advice"]
        assert set(tried) <= (allowed or {f.split("=")[0] for f in changes.FORMS})
        for text in result["advice"]:
            for change in text.split("--try ")[1:]:
                changes.parse(change.split("`")[0].split(" ")[0])


@pytest.mark.parametrize("name, own", [
    ("validation", "validation_freq=5"),
    ("validation_encoder", "validation_batch_size=128"),
    ("evaluate", "evaluate(..., batch_size=128)")])
@pytest.mark.parametrize("figures", [{}, dict(mfu=math.nan),
                                     dict(p50_ms=20.0, ms_per_step=20.0,
                                          mfu=0.3)])
def test_validation_and_evaluate_get_advice_for_their_own_loop(
        name, own, figures):
    result = v.verdict(run(run=name, **figures))
    assert result["bound"] in ("host", "compute")
    text = " ".join(result["advice"])
    assert own in text
    assert "keras-timing explain" not in text  # explain times training


def test_advice_is_a_copy():
    result = v.verdict(run())
    result["advice"].clear()
    assert v.verdict(run())["advice"]
