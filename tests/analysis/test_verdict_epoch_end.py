"""Rule 5 and the `epoch_end` note: the data adapter's epoch ends (Keras
stopping a `PyDataset`'s workers) with the data read in the steps, against
the calls' wall time. The figures are those of runs measured in
benchmarks/README.md section 8 (TensorFlow's and JAX's 3 ms two-worker
fits, JAX's arrays)."""

import math

from analysis.verdict_runs import run
from keras_timing.analysis import advice
from keras_timing.analysis import verdict as v

# TensorFlow, 3 ms two workers: the queue never ran dry (0.035 ms a step).
TF_TWO_WORKERS = dict(call_ms=667.0, outside_steps_ms=464.0,
                      data_epoch_end_ms=401.0, data_workers=2, steps=80,
                      p50_ms=1.23, ms_per_step=2.2, fetch_share=0.05,
                      mfu=math.nan)


def test_the_issues_tensorflow_case_is_input_for_its_stops():
    r = v.verdict(run(**TF_TWO_WORKERS), data_in_step=True)
    assert r["bound"] == "input"
    assert r["why"] == (
        "measured: the data adapter's epoch ends 401 ms (a `PyDataset` with"
        " 2 workers: Keras stops them at each epoch end, waiting at least "
        "0.1 s on their emptied queue): 60% of the 667 ms the calls took "
        "(at least 10%)")
    assert r["advice"] == advice.EPOCH_END
    assert "epoch_end" not in r  # said once, as the verdict
    assert "the data adapter's epoch ends 401 ms" in v.line("train", r)


def test_a_read_under_a_ms_per_step_is_the_loops_python_not_data():
    # JAX on arrays: 30% of a 0.3 ms step (0.09 ms) is the loop's own
    # Python; with 7% of the call in epoch ends, not input.
    s = run(call_ms=1000.0, data_epoch_end_ms=70.0, steps=1000,
            ms_per_step=0.3, p50_ms=0.3, fetch_share=0.3, mfu=math.nan)
    assert v.verdict(s, data_in_step=True)["bound"] == "host"
    # A read of 2 ms per step (under rule 4's 10% of a 40 ms step)
    # counts: 70 ms + 2 ms x 20 steps is 11% of the call.
    s = run(call_ms=1000.0, data_epoch_end_ms=70.0, steps=20,
            ms_per_step=40.0, p50_ms=40.0, input_wait_share=0.05)
    r = v.verdict(s, data_in_step=False)
    assert r["bound"] == "input", r
    assert "+ data read in the steps 40 ms: 11% of the 1000 ms" in r["why"]


def test_the_thresholds_hold_at_their_values():
    at = run(call_ms=1000.0,
             data_epoch_end_ms=1000.0 * advice.EPOCH_END_SHARE)
    assert v.verdict(at)["bound"] == "input"
    below = run(call_ms=1000.0, data_epoch_end_ms=99.9)
    assert v.verdict(below)["bound"] == "host"
    # Under EPOCH_END_MS in all: the clock's own microseconds, whatever
    # their share of a tiny call.
    tiny = run(call_ms=5.0, first_batch_ms=0.0,
               data_epoch_end_ms=advice.EPOCH_END_MS * 0.9)
    assert v.verdict(tiny)["bound"] == "host"
    # Not measured (a report of files written before these fields).
    assert v.verdict(run(call_ms=1000.0))["bound"] == "host"


def test_the_advice_fits_the_cause_and_the_run():
    own = v.verdict(run(data_epoch_end_ms=300.0, data_workers=0))
    assert own["bound"] == "input"
    assert "(a `PyDataset`" not in own["why"]
    assert own["advice"][0].startswith("the dataset's own `on_epoch_end`")
    val = v.verdict(run(run="validation", data_epoch_end_ms=300.0,
                        data_workers=4))
    assert val["advice"][0].startswith("fewer calls")
    assert "Keras stops them at each call's end" in val["why"]
    assert "validation_freq" in val["advice"][0]


def test_a_note_where_another_rule_gave_the_verdict():
    # JAX's two-worker case: the steps waited on the queue too (rule 4).
    s = run(call_ms=573.0, data_epoch_end_ms=401.0, data_workers=2,
            steps=80, ms_per_step=1.77, p50_ms=1.12, fetch_share=0.85)
    r = v.verdict(s, data_in_step=True)
    assert r["why"].startswith("measured: input wait 0% + data read in step")
    note = r["epoch_end"]
    assert note["share"] == 401.0 / 573.0
    assert note["why"].startswith("the data adapter's epoch ends 401 ms")
    assert note["advice"] == advice.EPOCH_END
    assert v.line("train", r).endswith("; %s; try: %s" % (
        note["why"], note["advice"][0]))
    # Behind a compile, the steady clause says it: no note.
    s = run(call_ms=1000.0, first_batch_ms=600.0, data_epoch_end_ms=300.0)
    r = v.verdict(s)
    assert (r["bound"], r["steady"]["bound"]) == ("compile", "input")
    assert "epoch_end" not in r
