"""Timeline steps held as an epoch's possibly partial last batch (`hold`,
issue 17's mutation run): data of unknown length cannot size an epoch's
last batch, so a step waits until a later one ends; the one no later step
followed has unknown samples. Hand-made hook times; no Keras, no model.
"""

import pytest

from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.timer.clock import Timeline
from timer.hooks import T
from timer.hooks import one_step_ended
from timer.hooks import run_steps


def _step_two_held():
    """Step 1 ran 0.0 -> 0.1 with 32 samples, and step 2 began at 0.1 on
    data of unknown length: step 1 is held."""
    line = one_step_ended(samples=32)
    line.begin(T, 2, t=0.1, hold=True)
    return line


def test_a_held_step_waits_for_the_next_step_to_end_and_the_last_is_unknown():
    # Data of unknown length: each step may be the epoch's partial last
    # batch until a later step ends; the one no later step followed is.
    line = _step_two_held()
    assert line.drain() == []
    line.end(T, 2, t=0.2, samples=32)       # a later step ran: 1 is full
    (one,) = line.drain()
    line.settle(T, hold=True)               # the epoch ended after step 2
    assert line.drain() == []
    line.close()
    (two,) = line.drain()
    assert [(t.last_step, t.samples) for t in (one, two)] == [
        (1, 32), (2, UNKNOWN_SAMPLES)]
    assert two.batch_ms == pytest.approx(100)


def test_a_held_step_whose_own_end_comes_late_still_waits_for_the_next():
    # Asynchronous dispatch: step 2 begins (holding step 1) before step
    # 1's end hook has run; step 1's own end does not release it. Once
    # step 2 ends, step 1 was full; if step 2's data ran out, it was not.
    for step_two_ends, samples in ((True, 32), (False, UNKNOWN_SAMPLES)):
        line = Timeline()
        line.anchor(T, 0.0)
        line.begin(T, 1, t=0.0)
        line.begin(T, 2, t=0.01, hold=True)
        line.end(T, 1, t=0.1, samples=32)
        if step_two_ends:
            line.end(T, 2, t=0.2, samples=32)
        line.settle(T)
        line.close()
        assert [(t.last_step, t.samples) for t in line.drain()][0] == (
            1, samples)


def test_held_steps_after_earlier_drains_are_released_and_closed():
    # The same, after a first epoch drained and forgotten: rows are
    # counted from where the drained ones left off.
    line = Timeline()
    line.anchor(T, 0.0)
    run_steps(line, T, [(0.0, 0.1)])
    assert len(line.drain()) == 1
    for epoch, t in ((1, 1.0), (2, 2.0)):
        line.anchor(T, t)
        first = 2 * epoch
        line.begin(T, first, t=t, hold=True)
        line.end(T, first, t=t + 0.1, samples=32)
        line.begin(T, first + 1, t=t + 0.1, hold=True)
        line.end(T, first + 1, t=t + 0.3, samples=32)
        line.settle(T, hold=True)
        line.close()
        assert [(s.last_step, s.samples) for s in line.drain()] == [
            (first, 32), (first + 1, UNKNOWN_SAMPLES)]


def test_a_held_step_whose_data_ran_out_is_dropped_and_blocks_nothing():
    # Step 2 was begun (holding step 1) but its data ran out: no later
    # step ended, so step 1 was the epoch's last and may be partial.
    line = _step_two_held()
    line.settle(T, hold=True)
    line.close()
    assert [(t.last_step, t.samples) for t in line.drain()] == [
        (1, UNKNOWN_SAMPLES)]
    # The next epoch begins step 2 again; it is drained.
    line.anchor(T, 1.0)
    line.begin(T, 2, t=1.0)
    line.end(T, 2, t=1.25, samples=32)
    line.settle(T)
    line.close()
    assert [(t.last_step, t.samples, t.batch_ms) for t in line.drain()] == [
        (2, 32, pytest.approx(250))]


def test_close_settles_unheld_steps_with_their_samples():
    # Data of known length holds nothing: close settles the last step and
    # keeps the samples its end gave.
    line = one_step_ended(samples=32)
    line.close()
    (t,) = line.drain()
    assert (t.samples, t.kind) == (32, None)
