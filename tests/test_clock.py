"""StepClock on hand-made hook times: no Keras, no model."""

import threading

import pytest

from keras_timing.timer.clock import StepClock


def test_synchronous_steps_time_begin_to_end_and_wait_between():
    clock = StepClock()
    clock.anchor(0.0, first_of_call=True)
    clock.begin(1, t=0.1)
    clock.end(1, t=0.3)
    clock.begin(2, t=0.35)
    clock.end(2, t=0.45)
    a, b = clock.drain()
    assert a.batch_ms == pytest.approx(200) and a.input_wait_ms == pytest.approx(100)
    assert b.batch_ms == pytest.approx(100) and b.input_wait_ms == pytest.approx(50)
    assert a.is_first and not b.is_first


def test_async_dispatch_times_from_previous_end_not_from_begin():
    # The host dispatches steps 2 and 3 before step 1 finishes.
    clock = StepClock()
    clock.anchor(0.0)
    for step, t in ((1, 0.0), (2, 0.01), (3, 0.02)):
        clock.begin(step, t=t)
    for step, t in ((1, 1.0), (2, 2.0), (3, 3.0)):
        clock.end(step, t=t)
    times = clock.drain()
    assert [t.batch_ms for t in times] == pytest.approx([1000, 1000, 1000])
    assert [t.input_wait_ms for t in times] == pytest.approx([0, 0, 0])


def test_sum_of_batch_and_wait_is_the_wall_time_from_anchor_to_last_end():
    clock = StepClock()
    clock.anchor(5.0)
    ends = [5.5, 5.6, 6.4, 6.41, 7.0]
    begins = [5.2, 5.55, 5.58, 6.405, 6.9]
    for i, (b, e) in enumerate(zip(begins, ends), 1):
        clock.begin(i, t=b)
        clock.end(i, t=e)
    times = clock.drain()
    total = sum((t.batch_ms + t.input_wait_ms) * t.steps for t in times)
    assert total == pytest.approx((7.0 - 5.0) * 1e3)


def test_out_of_order_ends_are_bounded_by_later_ends():
    clock = StepClock()
    clock.anchor(0.0)
    clock.begin(1, t=0.0)
    clock.begin(2, t=0.0)
    clock.end(2, t=2.0)
    # Step 2's end hook ran first; step 1 is drained only once it ends.
    assert clock.drain() == []
    clock.end(1, t=2.5)
    one, two = clock.drain()
    # Both were done by 2.0; the two seconds are shared between them.
    assert one.batch_ms == pytest.approx(1000)
    assert two.batch_ms == pytest.approx(1000)


def test_steps_per_execution_gives_per_step_figures():
    clock = StepClock()
    clock.anchor(0.0)
    clock.begin(1, t=0.0)
    assert clock.end(4, t=0.4, samples=lambda steps: steps * 32) == 1
    (t,) = clock.drain()
    assert (t.first_step, t.last_step, t.steps) == (1, 4, 4)
    assert t.batch_ms == pytest.approx(100)
    assert t.samples == 128


def test_final_drain_drops_a_step_that_never_ended():
    clock = StepClock()
    clock.anchor(0.0)
    clock.begin(1, t=0.0)
    clock.end(1, t=1.0)
    clock.begin(2, t=1.0)
    assert [t.last_step for t in clock.drain(final=True)] == [1]
    assert clock.pending() == 0


def test_concurrent_end_hooks_lose_nothing():
    clock = StepClock()
    clock.anchor()
    n = 2000
    for i in range(1, n + 1):
        clock.begin(i)
    threads = [threading.Thread(target=lambda k=k: [
        clock.end(i) for i in range(k, n + 1, 4)]) for k in range(1, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    times = clock.drain()
    assert [t.last_step for t in times] == list(range(1, n + 1))
    assert all(t.batch_ms >= 0 for t in times)
