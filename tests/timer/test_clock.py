"""Timeline on hand-made hook times: no Keras, no model."""

import threading

import pytest

from keras_timing.timer.clock import Timeline

T, V = "train", "validation"


def _steps(line, run, pairs, first=1):
    """Begins and ends steps first.. at the given (begin, end) times."""
    for i, (b, e) in enumerate(pairs, first):
        line.begin(run, i, t=b)
        line.end(run, i, t=e)
    line.settle(run)


def test_synchronous_steps_time_begin_to_end_and_wait_between():
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    _steps(line, T, [(0.1, 0.3), (0.35, 0.45)])
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
    _steps(line, T, list(zip(begins, ends)))
    line.anchor(T, 7.5)
    _steps(line, T, [(7.7, 8.0), (8.1, 8.2)], first=6)
    times = line.drain()
    total = sum(t.interval_ms + t.epoch_start_ms * t.steps for t in times)
    # 5.0 -> 7.0 and 7.5 -> 8.2: the half second between epochs is outside.
    assert total == pytest.approx((2.0 + 0.7) * 1e3)
    assert [t.epoch_start_ms for t in times] == pytest.approx(
        [200, 0, 0, 0, 0, 200, 0])


def test_out_of_order_ends_are_bounded_by_later_ends():
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.begin(T, 2, t=0.0)
    line.end(T, 2, t=2.0)
    line.settle(T)
    # Step 2's end hook ran first; step 1 is drained only once it ends.
    assert line.drain() == []
    line.end(T, 1, t=2.5)
    one, two = line.drain()
    # Both were done by 2.0; the two seconds are shared between them.
    assert one.batch_ms == pytest.approx(1000)
    assert two.batch_ms == pytest.approx(1000)


def test_a_clump_of_late_end_hooks_is_spread_not_zero():
    # Host-bound async loop: a step is begun every 0.2 s, but the end hooks
    # run late, together, 1 ms apart (they waited for the GIL).
    line = Timeline()
    line.anchor(T, 0.0)
    for i in range(1, 6):
        line.begin(T, i, t=0.2 * i)
    for i in range(1, 6):
        line.end(T, i, t=1.3 + 0.001 * i)
    line.settle(T)
    times = line.drain()
    assert min(t.batch_ms for t in times) > 100
    assert sum(t.interval_ms for t in times) == pytest.approx(1305 - 200)


def test_device_bound_steps_keep_their_own_times():
    # The host runs ahead (begins 1 ms apart) and the device takes 10, 50,
    # 10 ms: the slow step must not be averaged away.
    line = Timeline()
    line.anchor(T, 0.0)
    for i in range(1, 4):
        line.begin(T, i, t=0.001 * i)
    for i, e in enumerate((0.011, 0.061, 0.071), 1):
        line.end(T, i, t=e)
    line.settle(T)
    assert [t.batch_ms for t in line.drain()] == pytest.approx([10, 50, 10])


def test_a_run_cannot_start_before_the_previous_runs_last_step_ended():
    # JAX: validation begins at 1.0 while train's last step runs to 1.5.
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    _steps(line, T, [(0.0, 0.5)])
    line.begin(T, 2, t=0.6)
    line.anchor(V, 1.0, first_of_call=True)
    line.begin(V, 1, t=1.1)
    line.end(V, 1, t=1.7)
    line.settle(V)
    assert line.drain()[0].run == T   # step 2 of train blocks the rest
    line.end(T, 2, t=1.5)
    line.settle(T)
    train2, val1 = line.drain()
    assert (train2.run, val1.run) == (T, V)
    # Validation's first step compiles on the host from its begin at 1.1,
    # which holds every end hook: train's step 2 is taken to end there,
    # and the left-out first step keeps the rest.
    assert train2.batch_ms == pytest.approx(500)
    assert val1.batch_ms == pytest.approx(600) and val1.is_first
    assert val1.epoch_start_ms == pytest.approx(0)
    assert train2.interval_ms + val1.interval_ms == pytest.approx(1200)


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
    _steps(line, T, [(0.0, 1.0)])
    line.begin(T, 2, t=1.0)   # the data ran out: no end hook
    assert [t.last_step for t in line.drain()] == [1]
    line.close()
    assert line.drain() == []
    assert line.end(T, 9, t=9.0) == 0   # nothing left waiting
    # The next epoch begins the same global step again: nothing is lost.
    line.anchor(T, 2.0)
    _steps(line, T, [(2.1, 2.5)], first=2)
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


def test_steps_before_a_compile_are_not_given_its_time():
    # Steps 1-3 run fast; step 4 compiles on the host from 0.4 to 1.4,
    # so the end hooks of 1-3 only run at 1.4.
    line = Timeline()
    line.anchor(T, 0.0)
    for i in range(1, 4):
        line.begin(T, i, t=0.1 * i)
    line.begin(T, 4, t=0.4)
    for i, e in ((1, 1.401), (2, 1.402), (3, 1.403)):
        line.end(T, i, t=e)
    assert line.drain() == []   # step 4 may still turn out to compile
    line.begin(T, 5, t=1.5, compiled=True)
    line.end(T, 4, t=1.45)
    line.end(T, 5, t=1.6)
    line.settle(T)
    one, two, three, four, five = line.drain()
    assert [one.batch_ms, two.batch_ms, three.batch_ms] == pytest.approx(
        [100, 100, 100])
    assert four.kind == "recompile" and four.batch_ms == pytest.approx(1050)
