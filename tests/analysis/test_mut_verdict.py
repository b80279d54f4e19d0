"""The verdict rules at edges the other verdict tests leave open: calls
under a millisecond, a compile made of recompiles alone, the
TINY_FLOPS_MS boundary, the no-FLOPs rule read through the table, and the
one line with an epoch-start stall. Answers worked out in the comments."""

import math

from keras_timing.analysis import verdict as v


def _run(**figures):
    """A host-bound run unless a figure changes it: 1 s of calls, a 60 ms
    first batch, no wait, 0.5 ms steps at 0.05% of peak."""
    base = {"run": "train", "call_ms": 1000.0, "first_batch_ms": 60.0,
            "recompiles": 0, "recompile_ms": 0.0, "input_wait_share": 0.0,
            "p50_ms": 0.5, "ms_per_step": 0.5, "mfu": 0.0005}
    base.update(figures)
    return base


def test_a_call_under_a_millisecond_can_be_compile_bound():
    # 0.6 of 0.8 ms is 75%, over COMPILE_SHARE: the share decides, not
    # the call's length.
    r = v.verdict(_run(call_ms=0.8, first_batch_ms=0.6))
    assert r["bound"] == "compile"
    assert r["why"] == ("first batch 1 ms, 75% of the 1 ms the calls took "
                        "(at least 50%)")


def test_a_fit_under_a_millisecond_can_be_validation_bound():
    # 0.3 ms of validation in a 0.9 ms fit: 33%, over VALIDATION_SHARE.
    summaries = {"validation": {"run": "validation", "call_ms": 0.3}}
    r = v.verdict(_run(call_ms=0.9, first_batch_ms=0.1), summaries)
    assert r["bound"] == "validation"
    assert r["why"] == "validation 0 ms, 33% of fit's 1 ms (at least 30%)"


def test_recompiles_alone_can_make_a_run_compile_bound():
    # No first batch in this call (NaN: not measured), 600 ms of two
    # recompiles in 1 s: 60%, and the why counts only those 600 ms.
    r = v.verdict(_run(first_batch_ms=math.nan, recompiles=2,
                       recompile_ms=600.0))
    assert r["bound"] == "compile"
    assert r["why"] == ("first batch and 2 recompiles 600 ms, 60% of the "
                        "1000 ms the calls took (at least 50%)")


def test_a_missing_first_batch_adds_nothing_to_the_compile_time():
    # 499 ms of recompiles and no first batch: 49.9%, under the share.
    r = v.verdict(_run(first_batch_ms=math.nan, recompiles=1,
                       recompile_ms=499.0))
    assert r["bound"] == "host"


def _measured(mfu, step_ms):
    """torch: the data read before the step, so it was measured."""
    return _run(p50_ms=step_ms, ms_per_step=step_ms, mfu=mfu)


def test_flops_needing_exactly_tiny_flops_ms_are_slow_kernels_not_host():
    # 0.5% of peak of a 10 ms step: its FLOPs need exactly 0.05 ms
    # (TINY_FLOPS_MS), so the measured-host rule (below it) does not hold;
    # a 10 ms median is above the host bound: kernels at a low efficiency.
    at = v.verdict(_measured(0.005, 10.0), data_in_step=False)
    assert at["bound"] == "compute"
    assert at["why"] == (
        "0.5% of peak; its FLOPs need 0.05 ms of the 10 ms mean step; median"
        " step 10 ms, above the fixed per-step overhead (3 ms): the compiled"
        " step's kernels run at a low efficiency")
    below = v.verdict(_measured(0.0049, 10.0), data_in_step=False)
    assert below["bound"] == "host"
    assert below["why"].endswith("framework overhead, not data (input wait "
                                 "0%, measured)")


def test_the_no_flops_rules_read_through_the_table():
    # Rules 6 and 7 of RULES: each holds on its own side of HOST_STEP_MS.
    host_rule, compute_rule = v.RULES[5], v.RULES[6]
    f = v.Figures(_run(mfu=math.nan, p50_ms=3.0), None, None)
    assert host_rule.why(f) == (
        "median step 3 ms, at most 3 ms; FLOPs not counted for this run, so"
        " the step time alone decides")
    assert compute_rule.why(f) is None
    f = v.Figures(_run(mfu=math.nan, p50_ms=3.5), None, None)
    assert host_rule.why(f) is None
    assert compute_rule.why(f) == (
        "median step 3.5 ms, above 3 ms; FLOPs not counted for this run, so"
        " the step time alone decides")
    # FLOPs counted: neither decides.
    f = v.Figures(_run(mfu=0.0005, p50_ms=3.0), None, None)
    assert host_rule.why(f) is None and compute_rule.why(f) is None


def test_the_line_keeps_the_verdict_before_an_epoch_start_stall():
    result = {"bound": "host", "why": "median step 0.5 ms",
              "advice": ["A"], "epoch_start": {
                  "why": "epoch starts hold 20% of the run",
                  "advice": ["cache the data"]}}
    assert v.line("train", result) == (
        "train: host-bound: median step 0.5 ms; try: A; epoch starts hold "
        "20% of the run; try: cache the data")


def test_either_step_figure_missing_gives_no_verdict():
    # A summary whose mean step or median is not known (an event file
    # that lost one): no rule reads half a step.
    for missing in ("ms_per_step", "p50_ms"):
        s = _run()
        del s[missing]
        r = v.verdict(s)
        assert (r["bound"], r["advice"]) == (None, [])
        assert r["why"].startswith("no timed steps")


def test_the_steady_state_behind_a_compile_gets_its_backends_advice():
    # torch reads the batch before the step (data_in_step False): its
    # host advice is a larger batch, not steps_per_execution (refused).
    r = v.verdict(_run(first_batch_ms=900.0), data_in_step=False)
    assert (r["bound"], r["steady"]["bound"]) == ("compile", "host")
    assert r["steady"]["advice"][0].startswith(
        "a larger batch gives each step more work")
    r = v.verdict(_run(first_batch_ms=900.0), data_in_step=True)
    assert r["steady"]["advice"][0].startswith("run several steps per call")
