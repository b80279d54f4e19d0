"""The verdict rules, one by one, at and around their thresholds."""

import math

import pytest

from keras_timing.analysis import verdict as v


def run(**figures):
    """A run that no rule but the one under test can hold: 1 s of calls, a
    60 ms first batch, no input wait, a 10 ms step at 0.05% of peak."""
    base = {"run": "train", "call_ms": 1000.0, "first_batch_ms": 60.0,
            "recompiles": 0, "recompile_ms": 0.0, "input_wait_share": 0.0,
            "p50_ms": 0.5, "ms_per_step": 0.5, "mfu": 0.0005}
    base.update(figures)
    return base


def test_compile_at_its_share_and_not_below():
    at = v.verdict(run(first_batch_ms=300.0, recompiles=1,
                       recompile_ms=200.0))
    assert at["bound"] == "compile"
    assert "500 ms, 50% of the 1000 ms" in at["why"]
    assert at["why"].startswith("first batch and 1 recompile 500 ms")
    first_only = v.verdict(run(first_batch_ms=600.0))["why"]
    assert first_only.startswith("first batch 600 ms, 60% of")
    below = v.verdict(run(first_batch_ms=300.0, recompile_ms=199.0))
    assert below["bound"] == "host"


def test_validation_reads_the_validation_run_of_the_same_model():
    train = run(run="train_encoder")
    runs = {"train_encoder": train,
            "validation_encoder": {"run": "validation_encoder",
                                   "call_ms": 300.0},
            "validation": {"run": "validation", "call_ms": 0.0}}
    result = v.verdict(train, runs)
    assert result["bound"] == "validation"
    assert "validation 300 ms, 30% of fit's 1000 ms" in result["why"]
    runs["validation_encoder"]["call_ms"] = 299.0
    assert v.verdict(train, runs)["bound"] == "host"


def test_validation_is_for_train_runs_only():
    predict = run(run="predict")
    runs = {"predict": predict, "validation": {"call_ms": 900.0}}
    assert v.verdict(predict, runs)["bound"] == "host"


def test_input_wait_measured():
    slow = {"p50_ms": 10.0, "ms_per_step": 10.0, "mfu": 0.2}
    assert v.verdict(run(input_wait_share=0.62, **slow))["why"] == (
        "input wait 62% of step time, 6.2 ms per step (at least 10% and "
        "1 ms)")
    assert v.verdict(run(input_wait_share=0.1, **slow))["bound"] == "input"
    assert v.verdict(run(input_wait_share=0.099, **slow))["bound"] == (
        "compute")


def test_input_wait_under_a_ms_per_step_is_the_loops_own():
    # A 0.2 ms step waiting 10%: 0.02 ms of Python between steps.
    tiny = run(input_wait_share=0.1, p50_ms=0.2, ms_per_step=0.2)
    assert v.verdict(tiny)["bound"] == "host"
    wait_1ms = run(input_wait_share=0.5, p50_ms=1.0, ms_per_step=2.0)
    assert v.verdict(wait_1ms)["bound"] == "input"
    wait_under = run(input_wait_share=0.49, p50_ms=1.0, ms_per_step=2.0)
    assert v.verdict(wait_under)["bound"] == "host"


def test_a_long_tiny_step_is_host_where_data_is_read_before_the_step():
    long_step = run(p50_ms=30.0, ms_per_step=30.0, mfu=0.00007)
    assert v.verdict(long_step)["bound"] == "input"
    assert v.verdict(long_step, data_in_step=True)["bound"] == "input"
    torch = v.verdict(long_step, data_in_step=False)
    assert torch["bound"] == "host"
    assert "read before the step" in torch["why"]
    # Real FLOPs keep their verdict whatever the backend.
    assert v.verdict(run(p50_ms=30.0, ms_per_step=30.0, mfu=0.05),
                     data_in_step=False)["bound"] == "compute"


@pytest.mark.parametrize("figures, bound", [
    ({"mfu": 0.2}, "compute"),                        # COMPUTE_MFU
    ({"mfu": 0.199}, "host"),
    ({"mfu": 0.005, "ms_per_step": 200.0, "p50_ms": 200.0}, "compute"),
    ({"mfu": 0.00025, "ms_per_step": 200.0, "p50_ms": 200.0}, "compute"),
    ({"mfu": 0.000249, "ms_per_step": 200.0, "p50_ms": 200.0}, "input"),
    ({"p50_ms": 3.0, "ms_per_step": 3.0}, "host"),   # HOST_STEP_MS
    ({"p50_ms": 3.01, "ms_per_step": 3.01}, "input"),
])
def test_host_compute_and_inferred_input(figures, bound):
    assert v.verdict(run(**figures))["bound"] == bound


def test_inferred_input_says_so():
    why = v.verdict(run(p50_ms=5.8, ms_per_step=6.3, mfu=0.0004))["why"]
    assert why.startswith("inferred: ")
    assert "median step 5.8 ms" in why
    slow_kernels = v.verdict(run(p50_ms=16.0, ms_per_step=16.0, mfu=0.02))
    assert slow_kernels["bound"] == "compute"
    assert "low efficiency" in slow_kernels["why"]


def test_without_mfu_the_step_time_decides_and_says_so():
    host = v.verdict(run(mfu=math.nan))
    assert host["bound"] == "host" and "FLOPs not counted" in host["why"]
    slow = v.verdict(run(mfu=None, p50_ms=40.0, ms_per_step=40.0))
    assert slow["bound"] == "compute"


def test_no_counted_steps_gives_no_bound():
    result = v.verdict(run(ms_per_step=math.nan, p50_ms=math.nan))
    assert result == {"bound": None, "why": result["why"], "advice": []}
    assert v.line("train", result).startswith("train: no verdict: ")


def test_every_bound_has_advice_and_explain_tries_where_it_can():
    for bound in v.BOUNDS:
        assert v.ADVICE[bound]
    for bound in ("host", "compute"):
        assert "keras-timing explain" in " ".join(v.ADVICE[bound])


def test_advice_is_a_copy():
    result = v.verdict(run())
    result["advice"].clear()
    assert v.verdict(run())["advice"]
