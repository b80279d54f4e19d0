"""Timeline on hand-made hook times: no Keras, no model."""

import threading

import pytest

from keras_timing.timer.clock import Timeline
from timer.hooks import T
from timer.hooks import V
from timer.hooks import run_steps



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
