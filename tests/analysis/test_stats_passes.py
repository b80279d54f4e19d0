"""RunStats' passes: warm-up left out of the figures, `steady`, epoch-start
marks, on hand-made StepTimes: no Keras, no clock.

The expected figures are worked out by hand in the comments.
"""

import math

import pytest

from analysis.made_steps import step as _step
from keras_timing import schema
from keras_timing.analysis.passes import steady
from keras_timing.analysis.stats import RunStats


def _opens(first, batch, wait=0.0, kind=None, samples=32, epoch=0.0,
           last=None):
    t = _step(first, batch, wait, kind, samples, epoch, last)
    t.opens = True
    return t


# Three epochs of three steps: epoch 1 is slow after its compile (warm-up),
# epochs 2 and 3 are steady; each epoch's first step is timed from its begin.
EPOCHS = [
    _opens(1, 50.0, kind="first", epoch=5.0), _step(2, 9.0, 1.0),
    _step(3, 7.0),
    _opens(4, 2.0, epoch=0.0), _step(5, 2.0, 0.5), _step(6, 3.0, 0.5),
    _opens(7, 2.5, epoch=1.0), _step(8, 2.0), _step(9, 1.5),
]


def test_first_pass_is_warm_up_once_later_passes_hold_as_many_steps():
    stats = RunStats("train")
    stats.add(EPOCHS, final=True)
    s = stats.summary()
    # Later epochs: steps 4-9, batch 2+2+3+2.5+2+1.5 = 13 ms, wait 1 ms,
    # 6 * 32 samples; epoch 1's steps 2-3 (17 ms) are warm-up.
    assert (s["steps"], s["warmup_steps"]) == (9, 3)
    assert s["ms_per_sample"] == pytest.approx(14.0 / 192)
    assert s["ms_per_step"] == pytest.approx(14.0 / 6)
    assert s["input_wait_share"] == pytest.approx(1.0 / 14.0)
    # The step-time statistics still see every counted step, warm-up
    # included: (9 + 7 + 13) / 8.
    assert s["mean_ms"] == pytest.approx(29.0 / 8)


# One long predict call, then a short one.
LONG_THEN_SHORT = [_opens(1, 50.0, kind="first"), _step(2, 9.0, 1.0),
                   _step(3, 7.0), _step(4, 2.0), _step(5, 2.5),
                   _opens(6, 1.0, kind="first"), _step(7, 0.5)]


def test_a_short_later_pass_does_not_replace_a_long_first_one():
    stats = RunStats("predict")
    stats.add(LONG_THEN_SHORT[:5], final=True)
    stats.add(LONG_THEN_SHORT[5:], final=True)
    s = stats.summary()
    # Later: one counted step against four in the first pass, so every
    # counted step makes the figures: 9 + 1 + 7 + 2 + 2.5 + 0.5 = 22 ms.
    assert s["warmup_steps"] == 0
    assert s["ms_per_sample"] == pytest.approx(22.0 / (5 * 32))


def test_steady_keeps_the_steps_the_summary_is_made_of():
    assert steady(EPOCHS) == EPOCHS[3:]
    assert steady(LONG_THEN_SHORT) == LONG_THEN_SHORT
    assert steady(EPOCHS[:3]) == EPOCHS[:3]
    # A second call as long as the first stands for the run.
    again = LONG_THEN_SHORT[:5] + [_opens(6, 1.0, kind="first")] + [
        _step(i, 1.0) for i in (7, 8, 9, 10)]
    assert steady(again) == again[5:]


def test_every_pass_marks_its_first_step_with_an_epoch_start():
    points = dict(RunStats("train").add(EPOCHS, final=True))
    # Step 4 began with no gap after its epoch's begin: 0.0 is written.
    assert [s for s, v in sorted(points.items())
            if schema.EPOCH_START_MS in v] == [1, 4, 7]
    assert points[4][schema.EPOCH_START_MS] == 0.0


def test_passes_without_counted_steps_leave_nothing_out():
    # Predict calls of one step each: every step is a call's first.
    stats = RunStats("predict")
    stats.add([_opens(i, 2.0, kind="first") for i in (1, 2, 3)], final=True)
    s = stats.summary()
    assert s["warmup_steps"] == 0 and math.isnan(s["ms_per_sample"])


def test_steady_weighs_points_by_their_steps():
    # steps_per_execution=4 later: one point of 4 steps against a first
    # pass of 3 counted one-step points stands for the run; one of 2 not.
    first = [_opens(1, 50.0, kind="first"), _step(2, 1.0), _step(3, 1.0),
             _step(4, 1.0)]
    four = [_opens(5, 1.0, last=8)]
    two = [_opens(5, 1.0, last=6)]
    assert steady(first + four) == four
    assert steady(first + two) == first + two
    # Only counted steps weigh: a first pass of 2 counted steps (and a
    # first and a recompile) against 3 counted later ones.
    compiled = [_opens(1, 50.0, kind="first"), _step(2, 1.0),
                _step(3, 30.0, kind="recompile"), _step(4, 1.0)]
    three = [_opens(5, 1.0), _step(6, 1.0), _step(7, 1.0)]
    assert steady(compiled + three) == three


def test_a_run_whose_steps_a_compile_all_hid_is_figured_from_them():
    # A short JAX call: its first step, then two steps whose ends the
    # partial batch's recompile hid, then that recompile.
    stats = RunStats("predict")
    stats.add([_opens(1, 50.0, kind="first"), _step(2, 3.0, 1.0,
                                                     kind="overlap"),
               _step(3, 5.0, 0.0, kind="overlap"),
               _step(4, 40.0, kind="recompile", samples=8)], final=True)
    s = stats.summary()
    # Steps 2-3: 9 ms held over 2 steps and 64 samples, 1 ms of it waiting.
    assert s["ms_per_step"] == pytest.approx(4.5)
    assert s["ms_per_sample"] == pytest.approx(9.0 / 64)
    assert s["input_wait_share"] == pytest.approx(1.0 / 9.0)
