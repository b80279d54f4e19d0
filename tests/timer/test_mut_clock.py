"""Timeline contracts the mutation run found untested (issue 17): profiled
steps (`mark`), measured figures per step (`values`), rows released after
a drain, and no negative or double-counted time (steps held as a possibly
partial last batch: test_mut_clock_hold.py). Hand-made hook times; no
Keras, no model.
"""

import gc
import tracemalloc

import pytest

from keras_timing.analysis.steps import StepKind
from keras_timing.timer.clock import Timeline
from timer.hooks import T
from timer.hooks import V
from timer.hooks import one_step_ended
from timer.hooks import run_steps


def _ended(line, run, spans, t=0.0):
    """Begins and ends steps `(first, last)` one after the other, 0.1 s
    each from `t`; returns the time after the last."""
    for first, last in spans:
        line.begin(run, first, t=t)
        line.end(run, last, t=t + 0.1)
        t += 0.1
    return t


# ---- mark: steps that held the profiler's work ----------------------------


def test_mark_gives_its_kind_to_the_steps_it_meets_not_to_compiles():
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    for step in (1, 2, 3, 4):
        line.begin(T, step, t=step / 10)
    # Steps 2 and 3 meet 2..3; step 1 is the call's first: it stays.
    assert line.mark(T, 1, 3) == 2
    assert line.mark(T, 2, 3) == 0          # already profiled: not again
    for step in (1, 2, 3, 4):
        line.end(T, step, t=1 + step / 10)
    line.settle(T)
    assert [t.kind for t in line.drain()] == [
        StepKind.FIRST, StepKind.PROFILED, StepKind.PROFILED, None]


def test_mark_reaches_steps_at_both_ends_of_its_range_and_no_further():
    line = Timeline()
    line.anchor(T, 0.0)
    for step in (1, 2, 3, 4, 5):
        line.begin(T, step, t=step / 10)
    assert line.mark(T, 4, 4) == 1          # its own step: first == last
    assert line.mark(T, 2, 3) == 2          # both ends of the range
    for step in (1, 2, 3, 4, 5):
        line.end(T, step, t=1 + step / 10)
    line.settle(T)
    assert [t.kind for t in line.drain()] == [
        None, "profiled", "profiled", "profiled", None]


def test_mark_meets_steps_per_execution_rows_by_their_step_range():
    # Rows of 4 steps: 1-4, 5-8, 9-12. Steps 6..9 meet the last two.
    line = Timeline()
    line.anchor(T, 0.0)
    _ended(line, T, [(1, 4), (5, 8), (9, 12)])
    assert line.mark(T, 6, 9) == 2
    assert line.mark(T, 4, 4) == 1          # a row's last step meets it
    line.settle(T)
    assert [(t.last_step, t.kind) for t in line.drain()] == [
        (4, "profiled"), (8, "profiled"), (12, "profiled")]


def test_mark_leaves_other_runs_and_drained_steps_alone():
    line = Timeline()
    line.anchor(T, 0.0)
    _ended(line, T, [(1, 1), (2, 2)])
    line.settle(T)
    assert [t.kind for t in line.drain()] == [None, None]
    line.begin(T, 3, t=0.3)
    # Validation runs its steps 1..3 inside train's step 3; the newest
    # row is validation's, yet train's step 3 is reached behind it.
    line.anchor(V, 0.3)
    for step in (1, 2, 3):
        line.begin(V, step, t=0.3 + step / 100)
    assert line.mark(T, 1, 3) == 1          # only train's undrained step 3
    for step in (1, 2, 3):
        line.end(V, step, t=0.4 + step / 100)
    line.settle(V)
    line.end(T, 3, t=0.5)
    line.settle(T)
    assert [(t.run, t.last_step, t.kind) for t in line.drain()] == [
        (T, 3, "profiled"), (V, 1, None), (V, 2, None), (V, 3, None)]


def test_mark_gives_the_kind_it_is_given():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    assert line.mark(T, 1, 1, kind=StepKind.OVERLAP) == 1
    line.end(T, 1, t=0.1)
    line.settle(T)
    assert [t.kind for t in line.drain()] == ["overlap"]


def test_a_compile_seen_later_replaces_the_profiled_kind():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.mark(T, 1, 1)
    line.end(T, 1, t=0.1)
    line.begin(T, 2, t=0.2, compiled=True)   # step 1 compiled after all
    line.end(T, 2, t=0.3)
    line.settle(T)
    assert [t.kind for t in line.drain()] == ["recompile", None]


def test_mark_finds_nothing_where_no_step_of_the_run_is_undrained():
    line = Timeline()
    assert line.mark(T, 1, 5) == 0
    line.anchor(T, 0.0)
    _ended(line, T, [(1, 1)])
    line.settle(T)
    line.drain()
    assert line.mark(T, 1, 5) == 0


# ---- values: the measured figures of a step, per step ---------------------


def test_values_given_at_the_next_begin_are_per_step():
    # Rows of 4, 2 and 1 steps; each one's figures are given when the
    # next begins, or at the settle, and come back per step.
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.end(T, 4, t=0.4)
    line.begin(T, 5, t=0.4, values={"data_ms": 40.0, "host_ms": 8.0})
    line.end(T, 6, t=0.6)
    line.begin(T, 7, t=0.6, values={"data_ms": 10.0})
    line.end(T, 7, t=0.7)
    line.settle(T, values={"data_ms": 3.0})
    a, b, c = line.drain()
    assert a.values == {"data_ms": 10.0, "host_ms": 2.0}
    assert b.values == {"data_ms": 5.0}
    assert c.values == {"data_ms": 3.0}


def test_a_step_given_no_values_has_none():
    line = Timeline()
    line.anchor(T, 0.0)
    _ended(line, T, [(1, 2)])
    line.settle(T)
    (t,) = line.drain()
    assert t.values is None


def test_values_at_a_begin_or_settle_do_not_hold_the_step():
    # Figures given with the settle (or the next begin) leave the step
    # free to drain at once, with the samples its end gave.
    line = one_step_ended(samples=32)
    line.begin(T, 2, t=0.1, values={"data_ms": 1.0})
    (one,) = line.drain()
    line.end(T, 2, t=0.2, samples=32)
    line.settle(T, values={"data_ms": 2.0})
    (two,) = line.drain()
    assert [(t.samples, t.values) for t in (one, two)] == [
        (32, {"data_ms": 1.0}), (32, {"data_ms": 2.0})]


# ---- time is never negative nor counted twice -----------------------------


def test_an_end_hook_time_before_its_begin_gives_a_zero_batch():
    # A hook time the caller passes may read before the step's begin (a
    # clock read early, a test's clock): the step takes zero, never a
    # negative batch; the anchor-to-begin second stays the epoch start.
    line = Timeline()
    line.anchor(T, 0.0)
    run_steps(line, T, [(1.0, 0.5)])
    (t,) = line.drain()
    assert (t.batch_ms, t.epoch_start_ms) == (0.0, pytest.approx(1000))


def test_a_step_whose_end_a_compile_hid_ends_no_earlier_than_a_drained_one():
    """Issue 17's survivor (a): steps 1-3 are dispatched at once; step 3
    compiles. Step 1 ends at 0.5 and is drained; step 3's hook (0.6)
    comes before step 2's (0.7), so step 2 ended during the compile: its
    end is hidden (overlap), bounded by step 3's begin (0.2), which is
    before step 1's drained end. Step 2 takes no time, and step 3 starts
    where step 1 ended: nothing is counted twice."""
    line = Timeline()
    line.anchor(T, 0.0)
    for step, t in ((1, 0.0), (2, 0.1), (3, 0.2)):
        line.begin(T, step, t=t)
    line.begin(T, 4, t=0.5, compiled=True)  # step 3 compiled
    line.end(T, 1, t=0.5)
    line.end(T, 3, t=0.6)
    line.end(T, 2, t=0.7)
    (one,) = line.drain()
    line.end(T, 4, t=1.0)
    line.settle(T)
    two, three, four = line.drain()
    assert one.end_time == 0.5
    assert (two.kind, two.batch_ms, two.end_time) == ("overlap", 0.0, 0.5)
    assert (three.kind, three.batch_ms) == ("recompile", pytest.approx(100))
    assert four.batch_ms == pytest.approx(400)
    total = sum(t.interval_ms + t.epoch_start_ms for t in
                (one, two, three, four))
    assert total == pytest.approx(1000)     # the wall time, 0.0 -> 1.0


# ---- drained rows are released: a long fit keeps only what waits ----------


def _held_bytes(steps, pending):
    """Bytes a Timeline holds after `steps` ended steps and `pending`
    begun ones, all drained that can be (measured by tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        line = Timeline()
        line.anchor(T, 0.0)
        for step in range(1, steps + 1):
            line.begin(T, step, t=step * 1.0)
            line.end(T, step, t=step + 0.5, samples=32)
        for step in range(steps + 1, steps + pending + 1):
            line.begin(T, step, t=step * 1.0)
        if not pending:
            line.settle(T)
        drained = line.drain()
        assert len(drained) == steps
        del drained
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()


def test_drained_rows_are_released():
    # 4000 drained rows are some 100 bytes each; released, a few kB stay
    # (the timeline's dicts). Behind a pending step: over 4096 drained
    # rows are released at once, the pending row stays.
    assert _held_bytes(4000, 0) < 50_000
    assert _held_bytes(5000, 1) < 50_000
