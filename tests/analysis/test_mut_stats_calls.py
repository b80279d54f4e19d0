"""RunStats where the drain's bulk path meets the odd steps and the calls:
the calls' data epoch ends summed over calls (issue 19), the warm-up pass's
steps counted across a measured step in the middle of a drain, and the
pass notes the bulk fold keeps (`PassNotes.add_counted`), the same as one
step at a time. Hand-made StepTimes; answers worked out in the comments."""

import warnings

import pytest

from keras_timing.analysis.fit_predict import PassNotes
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime


def test_the_data_epoch_ends_sum_over_calls_and_the_workers_are_the_last():
    stats = RunStats("train")
    stats.add_call(100.0, 20.0, data_end_ms=5.0, workers=2)
    stats.add_call(200.0, 30.0, data_end_ms=7.5, workers=3)
    s = stats.summary()
    # 5 + 7.5 ms of epoch ends; the latest call's 3 workers.
    assert (s["data_epoch_end_ms"], s["data_workers"]) == (12.5, 3)
    assert (s["call_ms"], s["outside_steps_ms"]) == (300.0, 50.0)


def test_a_run_without_calls_has_no_epoch_ends_and_no_workers():
    s = RunStats("predict").summary()
    assert (s["data_epoch_end_ms"], s["data_workers"]) == (0.0, 0)
    # Calls without a data adapter's epoch end keep it at zero.
    stats = RunStats("predict")
    stats.add_call(10.0, 1.0)
    s = stats.summary()
    assert (s["data_epoch_end_ms"], s["data_workers"]) == (0.0, 0)


def _epochs():
    """Epoch 1: a first step, steps 2-4 plain, step 5 with a measured
    fetch (an odd step amid the plain ones), step 6 plain; epoch 2: steps
    7-14, counted, so it stands for the run and epoch 1 is warm-up."""
    out = [StepTime(1, 1, 50.0, 0.0, 1.0, "first", 32, opens=True)]
    out += [StepTime(s, s, 2.0, 0.0, float(s), samples=32,
                     values={"fetch_ms": 1.0} if s == 5 else None)
            for s in range(2, 7)]
    out += [StepTime(s, s, 1.0, 0.0, float(s), samples=32, opens=s == 7)
            for s in range(7, 15)]
    return out


def test_the_warm_up_is_every_step_of_the_first_epoch():
    stats = RunStats("train")
    stats.add_rows(_epochs(), final=True)
    s = stats.summary()
    assert s["warmup_steps"] == 6
    # Epoch 2's eight 1 ms steps alone: 1 ms per step, 32 samples each.
    assert s["ms_per_step"] == 1.0
    assert s["ms_per_sample"] == pytest.approx(1 / 32)


def _notes_one_by_one(times):
    notes = PassNotes()
    for t in times:
        notes.add(t)
    return notes


def _calls(kinds):
    """Predict calls: `kinds` per call, a step each (None: counted)."""
    out, step = [], 1
    for call in kinds:
        for i, kind in enumerate(call):
            out.append(StepTime(step, step, 1.0, 0.0, float(step), kind,
                                32, opens=i == 0))
            step += 1
    return out


@pytest.mark.parametrize("kinds", [
    # The second call's third step recompiled after two counted steps.
    [["first", None, None], [None, None, "recompile", None]],
    # Three calls: the third is still noted (PASSES_NOTED), a fourth not.
    [["first", None], [None, None], [None, None, None], [None, None]],
])
def test_the_bulk_folds_pass_notes_are_those_of_one_step_at_a_time(kinds):
    times = _calls(kinds)
    stats = RunStats("predict")
    stats.add_rows(times, final=True)
    expected = _notes_one_by_one(times)
    assert stats.pass_notes.passes == expected.passes
    assert stats.pass_notes.why("predict") == expected.why("predict")


def test_pass_notes_add_counted_adds_to_the_open_pass():
    # A call's first step, then 3 counted steps in bulk, then a
    # recompile: the call has 5 steps, 3 counted, the fifth recompiled.
    notes = PassNotes()
    notes.add(StepTime(1, 1, 1.0, 0.0, 1.0, "first", opens=True))
    notes.add_counted(3)
    notes.add(StepTime(5, 5, 1.0, 0.0, 5.0, "recompile"))
    assert notes.passes == [[5, 3, [5], 0, 0]]
    assert notes.why("predict").endswith("a call of 5 steps whose step 5 "
                                         "recompiled")


def test_a_run_whose_first_step_is_plain_opens_its_first_pass():
    # Steps made by hand with no anchor: nothing opens a pass, so the
    # run's first step does (1 step, then 4 counted in bulk, each a call
    # of 2 steps: 10 steps).
    times = [StepTime(s, s + 1, 1.0, 0.0, float(s), samples=32)
             for s in range(1, 11, 2)]
    stats = RunStats("predict")
    stats.add_rows(times, final=True)
    assert stats.pass_notes.passes == [[10, 10, [], 0, 0]]
    assert stats.pass_notes.passes == _notes_one_by_one(times).passes


HUGE = pytest.mark.parametrize("batch, wait", [
    (1e308, 1e308),       # 2e308 ms over three steps: inf
    (float("inf"), 0.0),  # inf itself: no number of samples per second
])


def _huge(batch, wait):
    """A first step, then three calls of three steps of `batch` + `wait`."""
    times = [StepTime(1, 1, 50.0, 0.0, 1.0, "first", 32, opens=True)]
    return times + [StepTime(s, s + 2, batch, wait, float(s), samples=32)
                    for s in (2, 5, 8)]


@HUGE
def test_huge_times_overflow_to_inf_without_a_warning(batch, wait):
    # Python's floats overflow without a word; so does the bulk path.
    times = _huge(batch, wait)
    stats = RunStats("train")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        points = stats.add(times, final=True)
    assert len(points) == 4
    assert stats.summary()["ms_per_sample"] == float("inf")


@HUGE
def test_the_reports_fold_of_huge_times_has_no_warning_either(batch, wait):
    # `fold` (the report's statistics without points) says what `add`
    # says: inf ms per sample, and numpy says nothing.
    times = _huge(batch, wait)
    stats = RunStats("train")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.fold(times)
    s = stats.summary()
    assert (s["steps"], s["ms_per_sample"]) == (10, float("inf"))
