"""Timeline on hand-made hook times: no Keras, no model."""

import threading

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


def test_synchronous_steps_time_begin_to_end_and_wait_between():
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    run_steps(line, T, [(0.1, 0.3), (0.35, 0.45)])
    a, b = line.drain()
    # The gap before the first step is the epoch's start, not input wait.
    assert (a.epoch_start_ms, a.input_wait_ms, a.batch_ms) == pytest.approx(
        (100, 0, 200))
    assert (b.epoch_start_ms, b.input_wait_ms, b.batch_ms) == pytest.approx(
        (0, 50, 100))
    assert a.is_first and a.kind == "first" and b.kind is None


def test_async_dispatch_times_from_previous_end_not_from_begin():
    # The host dispatches steps 2 and 3 before step 1 finishes, and the
    # ends arrive one device step apart.
    line = Timeline()
    line.anchor(T, 0.0)
    for step, t in ((1, 0.0), (2, 0.01), (3, 0.02)):
        line.begin(T, step, t=t)
    for step, t in ((1, 1.0), (2, 2.0), (3, 3.0)):
        line.end(T, step, t=t)
    line.settle(T)
    times = line.drain()
    assert [t.batch_ms for t in times] == pytest.approx([1000, 1000, 1000])
    assert [t.input_wait_ms for t in times] == pytest.approx([0, 0, 0])


def test_steps_wait_and_starts_add_up_to_the_wall_time_from_the_anchors():
    line = Timeline()
    line.anchor(T, 5.0)
    ends = [5.5, 5.6, 6.4, 6.41, 7.0]
    begins = [5.2, 5.55, 5.58, 6.405, 6.9]
    run_steps(line, T, list(zip(begins, ends)))
    line.anchor(T, 7.5)
    run_steps(line, T, [(7.7, 8.0), (8.1, 8.2)], first=6)
    times = line.drain()
    total = sum(t.interval_ms + t.epoch_start_ms * t.steps for t in times)
    # 5.0 -> 7.0 and 7.5 -> 8.2: the half second between epochs is outside.
    assert total == pytest.approx((2.0 + 0.7) * 1e3)
    assert [t.epoch_start_ms for t in times] == pytest.approx(
        [200, 0, 0, 0, 0, 200, 0])


def test_steps_per_execution_gives_per_step_figures():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.end(T, 4, t=0.4, samples=lambda steps: steps * 32)
    line.settle(T)
    (t,) = line.drain()
    assert (t.first_step, t.last_step, t.steps) == (1, 4, 4)
    assert t.batch_ms == pytest.approx(100)
    assert t.samples == 128


def test_a_step_whose_data_ran_out_is_dropped_at_close():
    line = Timeline()
    line.anchor(T, 0.0)
    run_steps(line, T, [(0.0, 1.0)])
    line.begin(T, 2, t=1.0)   # the data ran out: no end hook
    assert [t.last_step for t in line.drain()] == [1]
    line.close()
    assert line.drain() == []
    assert line.end(T, 9, t=9.0) == 0   # nothing left waiting
    # The next epoch begins the same global step again: nothing is lost.
    line.anchor(T, 2.0)
    run_steps(line, T, [(2.1, 2.5)], first=2)
    (again,) = line.drain()
    assert (again.last_step, again.batch_ms) == (2, pytest.approx(400))


def test_beginning_a_step_again_drops_the_dead_one():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.begin(T, 1, t=1.0)
    line.end(T, 1, t=1.5)
    line.settle(T)
    (t,) = line.drain()
    assert t.batch_ms == pytest.approx(500)


def test_a_step_that_compiled_is_marked_and_its_end_waits_for_settle():
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    line.begin(T, 1, t=0.0)
    line.end(T, 1, t=1.0)
    line.begin(T, 2, t=1.0)
    line.end(T, 2, t=2.0)
    assert [t.kind for t in line.drain()] == ["first"]   # 2: unsettled
    line.begin(T, 3, t=2.0, compiled=True)                # 2 compiled
    line.end(T, 3, t=2.1)
    line.settle(T, compiled=False)
    assert [t.kind for t in line.drain()] == ["recompile", None]


def test_concurrent_end_hooks_lose_nothing():
    line = Timeline()
    line.anchor(T)
    n = 2000
    for i in range(1, n + 1):
        line.begin(T, i)
    threads = [threading.Thread(target=lambda k=k: [
        line.end(T, i) for i in range(k, n + 1, 4)]) for k in range(1, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    line.settle(T)
    times = line.drain()
    assert [t.last_step for t in times] == list(range(1, n + 1))
    assert all(t.batch_ms >= 0 for t in times)


def test_input_wait_and_epoch_start_are_per_step_with_steps_per_execution():
    # Steps 1-4 run 0.1 -> 0.5 after 100 ms of epoch start; steps 5-8 begin
    # at 0.7 (200 ms of input wait after 0.5) and end at 1.1.
    # Per step: 25 ms epoch start, 100 ms batch; then 50 ms wait, 100 ms.
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.1)
    line.end(T, 4, t=0.5)
    line.begin(T, 5, t=0.7)
    line.end(T, 8, t=1.1)
    line.settle(T)
    a, b = line.drain()
    assert (a.epoch_start_ms, a.input_wait_ms, a.batch_ms) == pytest.approx(
        (25, 0, 100))
    assert (b.epoch_start_ms, b.input_wait_ms, b.batch_ms) == pytest.approx(
        (0, 50, 100))
    assert (b.first_step, b.last_step, b.interval_ms) == (
        5, 8, pytest.approx(600))


def test_the_first_step_after_each_anchor_opens_a_pass():
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    for step, t in ((1, 0.1), (2, 0.3)):
        line.begin(T, step, t=t)
        line.end(T, step, t=t + 0.1)
    line.anchor(T, 0.5)          # the next epoch
    line.begin(T, 3, t=0.5)
    line.end(T, 3, t=0.6)
    line.settle(T)
    assert [(t.first_step, t.opens) for t in line.drain()] == [
        (1, True), (2, False), (3, True)]


def test_call_numbers_and_pending_steps_per_run():
    line = Timeline()
    assert line.call_number(T) == 0
    line.anchor(T, 0.0, first_of_call=True)
    line.anchor(T, 0.1)              # an epoch begin: still call 1
    assert (line.call_number(T), line.call_number(V)) == (1, 0)
    line.begin(T, 1, t=0.2)
    assert line.has_pending(T, 1) and not line.has_pending(T, 0)
    assert not line.has_pending(V, 1)
    line.end(T, 1, t=0.3)
    line.settle(T)
    (one,) = line.drain()
    assert not line.has_pending(T, 1)
    # The epoch anchor kept the call's "first": 100 ms from 0.1 to 0.2.
    assert (one.call, one.kind, one.epoch_start_ms) == (
        1, "first", pytest.approx(100))
    line.anchor(T, 1.0, first_of_call=True)
    line.begin(T, 1, t=1.0)
    line.end(T, 1, t=1.5)
    line.settle(T)
    (again,) = line.drain()
    assert (line.call_number(T), again.call, again.kind) == (2, 2, "first")


def test_hook_times_default_to_the_given_clock():
    ticks = iter([1.0, 1.5, 3.0])
    line = Timeline(now=lambda: next(ticks))
    line.anchor(T)
    line.begin(T, 1)
    line.end(T, 1)
    line.settle(T)
    (t,) = line.drain()
    # Anchor 1.0, begin 1.5, end 3.0; no call was begun: call number 0.
    assert (t.epoch_start_ms, t.batch_ms, t.end_time) == pytest.approx(
        (500, 1500, 3.0))
    assert (t.run, t.call, t.kind) == (T, 0, None)


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
