"""Each verdict rule's whole `why`, on figures chosen so that only that
rule holds: the sentence is public output (console, report, JSON), and its
numbers are the rule's evidence. Expected text worked out by hand."""

import math

import pytest

from keras_timing.analysis import verdict as v


def _run(**figures):
    """10 s of calls, a 60 ms first batch, no wait, 0.5 ms steps at 0.05%
    of peak (no rule but host holds) unless changed."""
    s = {"run": "train", "call_ms": 10000.0, "first_batch_ms": 60.0,
         "recompiles": 0, "recompile_ms": 0.0, "input_wait_share": 0.0,
         "p50_ms": 0.5, "ms_per_step": 0.5, "mfu": 0.0005}
    s.update(figures)
    return s


CASES = [
    ("compile", _run(first_batch_ms=4000.0, recompiles=2,
                     recompile_ms=2000.0),
     "first batch and 2 recompiles 6000 ms, 60% of the 10000 ms the calls "
     "took (at least 50%)"),
    ("compile", _run(first_batch_ms=5000.0),
     "first batch 5000 ms, 50% of the 10000 ms the calls took (at least "
     "50%)"),
    ("input", _run(input_wait_share=0.2, fetch_share=0.05, p50_ms=8.0,
                   ms_per_step=8.0),
     "measured: input wait 20% + data read in step 5% of step time, 2 ms "
     "per step (at least 10% and 1 ms)"),
    ("host", _run(mfu=math.nan, p50_ms=3.0, ms_per_step=3.0),
     "median step 3 ms, at most 3 ms; FLOPs not counted for this run, so "
     "the step time alone decides"),
    ("compute", _run(mfu=math.nan, p50_ms=12.5, ms_per_step=12.5),
     "median step 12.5 ms, above 3 ms; FLOPs not counted for this run, so "
     "the step time alone decides"),
    ("compute", _run(mfu=0.25, p50_ms=2.0, ms_per_step=2.0),
     "25% of peak; its FLOPs need 0.5 ms of the 2 ms mean step (at least "
     "1 ms, or 20% of peak)"),
    ("host", _run(mfu=0.0001, p50_ms=30.0, ms_per_step=30.0,
                  fetch_share=0.02),
     "0.01% of peak; its FLOPs need 0.003 ms of the 30 ms mean step; "
     "median step 30 ms: framework overhead, not data (input wait 0% + "
     "data read in step 2%, measured)"),
    ("host", _run(mfu=0.04, p50_ms=2.5, ms_per_step=2.5),
     "4% of peak; its FLOPs need 0.1 ms of the 2.5 ms mean step; median "
     "step 2.5 ms, the size of Keras's fixed per-step overhead (at most "
     "3 ms)"),
    ("compute", _run(mfu=0.005, p50_ms=40.0, ms_per_step=40.0),
     "0.5% of peak; its FLOPs need 0.2 ms of the 40 ms mean step; median "
     "step 40 ms, above the fixed per-step overhead (3 ms): the compiled "
     "step's kernels run at a low efficiency"),
]


@pytest.mark.parametrize("bound, summary, why", CASES)
def test_each_rule_says_its_figures(bound, summary, why):
    result = v.verdict(summary)
    assert (result["bound"], result["why"]) == (bound, why)


def test_validation_names_both_call_times():
    runs = {"train": _run(), "validation": {"run": "validation",
                                            "call_ms": 3500.0}}
    result = v.verdict(runs["train"], runs)
    assert (result["bound"], result["why"]) == (
        "validation", "validation 3500 ms, 35% of fit's 10000 ms (at least "
        "30%)")
    # A model's own runs: `train_m` reads `validation_m`, not `validation`.
    other = {"train_m": dict(_run(), run="train_m"),
             "validation": {"run": "validation", "call_ms": 9000.0}}
    assert v.verdict(other["train_m"], other)["bound"] == "host"


def test_an_inferred_input_bound_says_where_to_measure_it():
    why = v.verdict(_run(mfu=0.0001, p50_ms=30.0, ms_per_step=30.0))["why"]
    assert why == (
        "inferred: 0.01% of peak; its FLOPs need 0.003 ms of the 30 ms mean "
        "step; median step 30 ms, above the fixed per-step overhead (3 ms) "
        "with input wait 0%: time inside the step that is neither FLOPs nor "
        "overhead, as when TensorFlow reads a tf.data pipeline inside its "
        "graph, where it is not timed. To measure it: the input-pipeline "
        "page of a capture in TensorBoard's Profile tab (FitPredictTimer("
        "profile_steps=(10, 15)))")


def test_on_a_busy_machine_the_host_bound_stretches_with_the_load():
    # Load 6 per core on calls begun busy: the bound is 6 x 1 ms, so a
    # 5 ms step is host (it would be slow kernels on a quiet machine).
    busy = _run(mfu=0.02, p50_ms=5.0, ms_per_step=5.0, busy_calls=2,
                load_per_core=6.0)
    result = v.verdict(busy)
    assert (result["bound"], result["why"]) == (
        "host", "2% of peak; its FLOPs need 0.1 ms of the 5 ms mean "
        "step; median step 5 ms, the size of Keras's fixed per-step "
        "overhead (at most 6 ms: 1 ms x the load per core)")
    # The load counts only where a call was busy, and only above 1.
    for quiet in (dict(busy, busy_calls=0), dict(busy, load_per_core=0.5)):
        assert v.verdict(quiet)["bound"] == "compute"


def test_a_compile_verdict_carries_its_steady_state_and_one_line():
    s = _run(first_batch_ms=6000.0, mfu=0.04, p50_ms=2.5, ms_per_step=2.5)
    result = v.verdict(s)
    assert result["bound"] == "compile"
    assert result["steady"]["bound"] == "host"
    assert result["steady"]["why"] == CASES[7][2]
    line = v.line("train", result)
    assert line.startswith("train: compile-bound: first batch 6000 ms, 60% "
                           "of the 10000 ms the calls took (at least 50%); "
                           "once compiled: host-bound: 4% of peak")
    assert line.endswith("; try: " + result["advice"][0])


def test_no_counted_steps_no_verdict_and_its_line():
    result = v.verdict(_run(ms_per_step=math.nan, p50_ms=math.nan))
    assert result == {"bound": None, "advice": [], "why": (
        "no timed steps (first batches and recompiles are left out)")}
    assert v.line("evaluate", result) == (
        "evaluate: no verdict: no timed steps (first batches and recompiles "
        "are left out)")
    assert v.verdict(None)["bound"] is None
