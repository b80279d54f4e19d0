"""The verdict rules, one by one, at and around their thresholds (their
advice: test_verdict_advice.py; the README table and the rules' order:
test_verdict_table.py)."""

import math

import pytest

from analysis.verdict_runs import run
from keras_timing.analysis import verdict as v


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
        "measured: input wait 62% of step time, 6.2 ms per step (at least "
        "10% and 1 ms)")
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
    assert "framework overhead, not data" in torch["why"]
    assert "measured" in torch["why"]
    # JAX with its read inside the step measured (fetch_share) alike.
    jax = v.verdict(dict(long_step, fetch_share=0.01), data_in_step=True)
    assert jax["bound"] == "host" and "data read in step 1%" in jax["why"]
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


def test_a_compile_bound_run_says_what_bounds_it_once_compiled():
    short = run(first_batch_ms=700.0, p50_ms=0.3, ms_per_step=0.32)
    result = v.verdict(short)
    assert result["bound"] == "compile"
    steady = result["steady"]
    assert steady["bound"] == "host"
    assert "median step 0.3 ms" in steady["why"]
    assert steady["advice"] == v.advice("host")
    assert v.line("train", result) == (
        "train: compile-bound: " + result["why"] + "; once compiled: "
        "host-bound: " + steady["why"] + "; try: " + result["advice"][0])
    # The steady verdict is the counted steps' verdict without the compile.
    assert steady == v.verdict(dict(short, first_batch_ms=0.0))
    slow_input = v.verdict(run(first_batch_ms=900.0, input_wait_share=0.5,
                               p50_ms=4.0, ms_per_step=4.0))
    assert slow_input["steady"]["bound"] == "input"
    # Only a compile verdict carries it.
    assert "steady" not in v.verdict(run())
    # No counted steps: no steady bound, and the line says only the compile.
    alone = v.verdict(run(first_batch_ms=900.0, p50_ms=math.nan,
                          ms_per_step=math.nan))
    assert alone["steady"]["bound"] is None
    assert "once compiled" not in v.line("train", alone)


def test_the_data_read_inside_the_step_counts_as_input_measured():
    # fetch_share: the step's wait for its batch inside batch_ms.
    inside = run(p50_ms=5.4, ms_per_step=5.5, mfu=math.nan,
                 input_wait_share=0.01, fetch_share=0.9)
    result = v.verdict(inside)
    assert result["bound"] == "input"
    assert result["why"].startswith("measured: input wait 1% + data read "
                                    "in step 90% of step time, 5 ms per step")
    # Under 1 ms per step it is the loop's own: the step rules decide.
    assert v.verdict(dict(inside, p50_ms=0.5, ms_per_step=0.5))[
        "bound"] == "host"


def test_on_a_busy_machine_the_host_bound_stretches_with_the_load():
    # A 4.9 ms dense step with the machine loaded 6 per core: the fixed
    # per-step work stretched by the load, not data; said so in the why.
    busy = run(p50_ms=4.9, ms_per_step=5.0, mfu=0.0003, busy_calls=1.0,
               load_per_core=6.0)
    result = v.verdict(busy)
    assert result["bound"] == "host"
    assert "at most 6 ms: 1 ms x the load per core" in result["why"]
    quiet = v.verdict(dict(busy, busy_calls=0.0))
    assert quiet["bound"] == "input" and "(3 ms)" in quiet["why"]
    assert v.verdict(dict(busy, p50_ms=6.5))["bound"] == "input"
    # Loaded 2 per core: the bound stays HOST_STEP_MS (a 5 ms wait shows).
    assert v.verdict(dict(busy, load_per_core=2.0))["bound"] == "input"


def test_an_epoch_start_holding_a_tenth_of_the_run_is_named():
    stalled = run(call_ms=1000.0, outside_steps_ms=100.0, epoch_start_ms=10.0,
                  epoch_fetch_share=0.1)
    result = v.verdict(stalled)
    assert result["epoch_start"]["share"] == pytest.approx(0.1)
    assert result["epoch_start"]["why"] == (
        "epoch starts hold 10% of the run: 10 ms before their first steps "
        "and 90 ms in their first reads (at least 10%)")
    assert "cache()" in result["epoch_start"]["advice"][0]
    assert v.line("train", result).endswith(
        "; " + result["epoch_start"]["why"] + "; try: "
        + result["epoch_start"]["advice"][0])
    below = v.verdict(dict(stalled, epoch_start_ms=9.0))
    assert "epoch_start" not in below
    # Without the measured first reads, the gap alone can hold it.
    assert v.verdict(run(epoch_start_ms=150.0))["epoch_start"]


def test_an_inferred_verdict_names_the_capture_taken():
    tiny = run(p50_ms=5.8, ms_per_step=6.3, mfu=0.0004)
    path = "/logs/train/plugins/profile/s1/host.xplane.pb"
    why = v.verdict(tiny, capture=path)["why"]
    assert why.startswith("inferred: ")
    assert why.endswith("the input-pipeline page of the capture %s in "
                        "TensorBoard's Profile tab" % path)
    assert "profile_steps" in v.verdict(tiny)["why"]
