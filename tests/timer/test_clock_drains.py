"""Timeline across drains: steps drained one by one, begun again, closed
and settled after a drain, and runs that share the timeline. Hand-made
hook times: no Keras, no model (the rest: test_clock.py)."""

import pytest

from keras_timing.timer.clock import Timeline
from timer.hooks import T
from timer.hooks import V
from timer.hooks import run_steps


def _after_a_drained_step(first_of_call=False):
    """A Timeline whose train step 1 ran 0.0 -> 0.5 and was drained: the
    steps a test begins next follow a drain."""
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=first_of_call)
    run_steps(line, T, [(0.0, 0.5)])
    assert len(line.drain()) == 1
    return line


def test_steps_drained_one_by_one_are_each_returned_once():
    line = Timeline()
    line.anchor(T, 0.0)
    for step in (1, 2, 3, 4):
        line.begin(T, step, t=float(step))
        assert line.end(T, step, t=step + 0.25) == 1   # one row waits
        line.settle(T)
        (t,) = line.drain()
        # Each step runs from its begin to a quarter second later.
        assert (t.last_step, t.batch_ms) == (step, pytest.approx(250))
    assert line.drain() == []


def test_beginning_again_after_drains_drops_only_the_dead_step():
    line = _after_a_drained_step()
    line.begin(T, 2, t=1.0)
    line.begin(T, 3, t=1.1)
    line.begin(T, 3, t=2.0)   # step 3 again: only its first begin is dead
    assert line.end(T, 2, t=1.2) == 3
    line.end(T, 3, t=2.5)
    line.settle(T)
    two, three = line.drain()
    # 0.5 -> 1.0 is input wait, step 2 runs 1.0 -> 1.2, step 3 2.0 -> 2.5.
    assert (two.input_wait_ms, two.batch_ms) == pytest.approx((500, 200))
    assert (three.last_step, three.input_wait_ms, three.batch_ms) == (
        3, pytest.approx(800), pytest.approx(500))


def test_close_after_drains_drops_the_unended_step_and_settles_the_rest():
    line = _after_a_drained_step()
    line.begin(T, 2, t=1.0)
    line.end(T, 2, t=1.5)
    line.begin(T, 3, t=1.6)   # its data ran out: no end hook
    line.close()
    (two,) = line.drain()     # close settled step 2 as not compiled
    assert (two.last_step, two.kind, two.batch_ms) == (
        2, None, pytest.approx(500))
    assert line.drain() == [] and line.end(T, 3, t=9.0) == 0
    line.begin(T, 3, t=2.0)
    line.end(T, 3, t=2.25)
    line.close()
    (three,) = line.drain()
    assert (three.last_step, three.kind, three.batch_ms) == (
        3, None, pytest.approx(250))


def test_settle_marks_a_compiled_last_step():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.end(T, 1, t=1.0)
    line.settle(T, compiled=True)
    assert [t.kind for t in line.drain()] == ["recompile"]


def test_pending_steps_are_those_not_yet_drained_after_drains():
    line = _after_a_drained_step(first_of_call=True)
    line.begin(T, 2, t=1.0)
    line.end(T, 2, t=1.5)
    line.anchor(T, 2.0, first_of_call=True)
    line.begin(T, 1, t=2.0)        # call 2 runs; it settles call 1's step 2
    assert [(t.call, t.last_step) for t in line.drain()] == [(1, 2)]
    # Call 1 is fully drained; call 2's step 1 has not ended.
    assert not line.has_pending(T, 1)
    assert line.has_pending(T, 2)


def test_validation_begun_over_queued_train_steps_is_not_counted_twice(
        tmp_path):
    """Survivor (e): validation begins (1.0) while train's step 2 still runs
    on the device (to 1.5). Its call starts when its first step could, and
    the fit's time outside its steps leaves out what validation counted;
    read back from the event files."""
    from conftest import read_scalars

    from keras_timing import schema
    from keras_timing.timer.keras_loop import LoopInfo
    from keras_timing.timer.recorder import RunRecorder

    line = Timeline()
    train = RunRecorder(T, str(tmp_path / T), line)
    val = RunRecorder(V, str(tmp_path / V), line)
    train.start_call(LoopInfo(32, 2), 0.0)
    train.begin(0, 0.1)
    train.end(0, 0.5, None)
    train.begin(1, 0.6)
    val.start_call(LoopInfo(32, 1), 1.0, parent=train.current_call())
    val.begin(0, 1.1)
    val.end(0, 1.7, None)
    val.settle(False)
    val.end_call(1.8)
    train.end(1, 1.5, None)
    train.settle(False)
    line.close()
    train.end_call(2.0)
    times = line.drain()
    for recorder in (train, val):
        recorder.take([t for t in times if t.run is recorder], final=True)
    assert val.finish_calls() and train.finish_calls()   # validation first
    train.close(), val.close()

    # Train: step 1 0.1 -> 0.5 after 100 ms of epoch start, step 2 waits
    # 0.5 -> 0.6 and runs to 1.5: 1400 ms of steps. Validation's step can
    # start only at 1.5 and runs to 1.7; its call is 1.5 -> 1.8, 300 ms,
    # 100 of them outside its step. The fit, 0.0 -> 2.0, holds 1400 ms of
    # steps and 300 of validation: 300 outside (epoch start, the end).
    val_points = read_scalars(str(tmp_path / V))
    train_points = read_scalars(str(tmp_path / T))
    assert val_points[schema.CALL_MS][0][1] == pytest.approx(300)
    assert val_points[schema.OUTSIDE_STEPS_MS][0][1] == pytest.approx(100)
    assert train_points[schema.CALL_MS][0][1] == pytest.approx(2000)
    assert train_points[schema.OUTSIDE_STEPS_MS][0][1] == pytest.approx(300)
