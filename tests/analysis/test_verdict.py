"""The verdict rules, one by one, at and around their thresholds."""

import math
import os

import pytest

from keras_timing.analysis import verdict as v
from keras_timing.explanation import changes


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


def test_advice_is_a_copy():
    result = v.verdict(run())
    result["advice"].clear()
    assert v.verdict(run())["advice"]


def readme_table():
    """The rows of the verdict table in README.md's "Why is it slow?"."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Why is it slow?\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_table_is_the_rules_in_the_order_the_code_applies_them():
    rows = readme_table()
    assert rows == v.table().splitlines()
    cells = [[c.strip() for c in row.strip("|").split("|")]
             for row in rows[2:]]
    assert [c[1].strip("`") for c in cells] == [
        rule.bound or "no verdict" for rule in v.RULES]
    # Each threshold is written in the rows of the rules that read it, as
    # the constant is now.
    uses = {"COMPILE_SHARE": [1], "VALIDATION_SHARE": [2],
            "INPUT_WAIT_SHARE": [4], "INPUT_WAIT_MS": [4],
            "HOST_STEP_MS": [5, 6, 9, 11], "FIXED_STEP_MS": [7],
            "COMPUTE_MFU": [7], "TINY_FLOPS_MS": [8, 10, 11]}
    for name, numbers in uses.items():
        value = getattr(v, name)
        shown = "%.0f%%" % (100 * value) if name.endswith("SHARE") or (
            name == "COMPUTE_MFU") else "%g ms" % value
        for number in numbers:
            assert shown in cells[number - 1][2], (name, cells[number - 1])


def test_the_rules_apply_in_the_table_order():
    # One run per rule that only it and the rules after it hold: each gets
    # its row's verdict, so the order of RULES is the order applied.
    cases = [
        run(first_batch_ms=600.0),
        run(run="train", first_batch_ms=0.0),  # with a validation run
        run(p50_ms=math.nan, ms_per_step=math.nan),
        run(input_wait_share=0.5, p50_ms=4.0, ms_per_step=4.0),
        run(mfu=math.nan),
        run(mfu=math.nan, p50_ms=4.0, ms_per_step=4.0),
        run(mfu=0.3),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.00001),
        run(),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.01),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.00001),
    ]
    validation = {"validation": {"run": "validation", "call_ms": 400.0}}
    for i, (rule, case) in enumerate(zip(v.RULES, cases)):
        data_in_step = i != 7
        result = v.verdict(case, validation if i == 1 else None,
                           data_in_step)
        assert result["bound"] == rule.bound, (i + 1, result)
        assert result["why"] == rule.why(v.Figures(
            case, validation if i == 1 else None, data_in_step))


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
