"""`bound_ends` and `spread` through a Timeline: late, out-of-order and
clumped end hooks of one or two runs, as Keras's pool delivers them.

Every expected value is worked out by hand in the comment above it; the
pure functions alone are in test_intervals.py.
"""

import pytest

from keras_timing.timer.clock import Timeline
from timer.hooks import CLUMP
from timer.hooks import DEVICE_BOUND
from timer.hooks import EPOCH_INSIDE_CLUMP
from timer.hooks import T
from timer.hooks import V


@pytest.mark.parametrize("begin_two, hooks, ends, batch_ms", [
    # Step 2's end hook ran first (2.0), step 1's later (2.5): both were
    # done by 2.0, a clump from 0.0; the two seconds are shared.
    (0.0, ((2, 2.0), (1, 2.5)), (1.0, 2.0), 1000),
    # Step 2's hook read the clock (1.5) before step 1's (2.0). Step 1
    # ended after step 2 began, so it waits for step 2's end, which bounds
    # it at 1.5: both ended by 1.5, a clump, shared evenly (0.75 s each,
    # never negative), and the two add up to the 1.5 s.
    (0.5, ((1, 2.0), (2, 1.5)), (0.75, 1.5), 750),
])
def test_out_of_order_ends_are_bounded_by_later_ends(begin_two, hooks, ends,
                                                     batch_ms):
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.begin(T, 2, t=begin_two)
    (step, t), (other, later) = hooks
    line.end(T, step, t=t)
    line.settle(T)
    # Step 1 is drained only once both have ended: its end may be bounded.
    assert line.drain() == []
    line.end(T, other, t=later)
    one, two = line.drain()
    assert (one.batch_ms, one.end_time) == (pytest.approx(batch_ms), ends[0])
    assert (two.input_wait_ms, two.batch_ms, two.end_time) == (
        0.0, pytest.approx(batch_ms), ends[1])


@pytest.mark.parametrize("origin", [0.0, 1000.0])
def test_device_bound_steps_keep_their_own_times(origin):
    # The host runs ahead (begins 1 ms apart) and the device takes 10, 50,
    # 10 ms: the slow step must not be averaged away, at any clock origin
    # (perf_counter's is arbitrary).
    times = DEVICE_BOUND.shifted(origin).replay()
    assert [t.batch_ms for t in times] == pytest.approx([10, 50, 10],
                                                        abs=1e-6)


def _validation_over_train_step_two(compiled):
    """JAX: validation begins at 1.0 while train's last step, begun at
    0.6, is queued; validation's step 1 runs 1.1 -> 1.7 and `compiled` or
    not. Train's step 2 has not ended yet."""
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    line.begin(T, 1, t=0.0)
    line.end(T, 1, t=0.5)
    line.begin(T, 2, t=0.6)
    line.anchor(V, 1.0, first_of_call=True)
    line.begin(V, 1, t=1.1)
    line.end(V, 1, t=1.7)
    line.settle(V, compiled=compiled)
    return line


def test_a_run_cannot_start_before_the_previous_runs_last_step_ended():
    # JAX: validation begins at 1.0 while train's last step runs to 1.5.
    line = _validation_over_train_step_two(compiled=True)
    assert line.drain()[0].run == T   # step 2 of train blocks the rest
    line.end(T, 2, t=1.5)
    line.settle(T)
    train2, val1 = line.drain()
    assert (train2.run, val1.run) == (T, V)
    # Validation's first step compiles on the host from its begin at 1.1;
    # the device runs train's queued step 2 meanwhile, to its hook at 1.5:
    # counted, 0.6 -> 1.5. Validation's step starts when the device is
    # free, 1.5 -> 1.7.
    assert (train2.kind, train2.batch_ms) == (None, pytest.approx(900))
    assert val1.batch_ms == pytest.approx(200) and val1.is_first
    assert val1.epoch_start_ms == pytest.approx(0)
    assert train2.interval_ms + val1.interval_ms == pytest.approx(1200)


def test_a_first_step_that_did_not_compile_leaves_queued_steps_their_end():
    # The same hooks in a later epoch: validation's first step compiled
    # nothing, so train's step 2 ran to its own end hook (1.5), counted,
    # and validation's step waited for it: 1.5 -> 1.7.
    line = _validation_over_train_step_two(compiled=False)
    line.end(T, 2, t=1.5)
    line.settle(T)
    one, train2, val1 = line.drain()
    assert (train2.kind, train2.batch_ms) == (None, pytest.approx(900))
    assert (val1.kind, val1.batch_ms) == ("first", pytest.approx(200))
    assert train2.interval_ms + val1.interval_ms == pytest.approx(1200)


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


def test_an_epoch_anchor_inside_late_end_hooks_starts_its_step_anew():
    # EPOCH_INSIDE_CLUMP, through a Timeline: steps 1, 2 begin at 0.1, 0.2;
    # the next epoch anchors at 0.25 and begins step 3 at 0.3; the end
    # hooks come together at 1.0 .. 1.002.
    one, two, three = EPOCH_INSIDE_CLUMP.replay()
    # Steps 1-2: 0.1 s of epoch start, then 0.1 -> 1.001 shared: 450.5 ms.
    assert (one.epoch_start_ms, one.batch_ms) == pytest.approx((100, 450.5))
    assert (two.input_wait_ms, two.batch_ms) == pytest.approx((0, 450.5))
    # Step 3 cannot start at its anchor (0.25) while step 2 runs to 1.001:
    # no epoch start, and its own 1 ms.
    assert (three.epoch_start_ms, three.input_wait_ms,
            three.batch_ms) == pytest.approx((0, 0, 1))


def test_a_clump_of_late_end_hooks_is_shared_exactly_not_zero():
    # CLUMP through a Timeline. Host-bound async loop: a step is begun every
    # 0.2 s, but the end hooks run late, together, 1 ms apart (they waited
    # for the GIL): 1.301 .. 1.305. 0.2 -> 1.305 is 1105 ms over 5 steps,
    # 221 ms each, with 200 ms of epoch start before step 1.
    times = CLUMP.replay()
    assert [t.batch_ms for t in times] == pytest.approx([221] * 5)
    assert [t.epoch_start_ms for t in times] == pytest.approx([200] + [0] * 4)
    assert [t.end_time for t in times] == pytest.approx(
        [0.421, 0.642, 0.863, 1.084, 1.305])


def test_an_ended_step_waits_for_a_later_open_step_behind_a_settled_one():
    # Steps 1-3 begin at 0.0, 0.1, 0.2; step 1's end hook (0.5) comes after
    # step 3 began, and step 3 is not yet known not to have compiled; step
    # 2 (settled by step 3's begin) has not ended.
    line = Timeline()
    line.anchor(T, 0.0)
    for step, t in ((1, 0.0), (2, 0.1), (3, 0.2)):
        line.begin(T, step, t=t)
    line.end(T, 1, t=0.5)
    assert line.drain() == []
    line.end(T, 2, t=0.6)
    line.end(T, 3, t=1.5)
    line.begin(T, 4, t=1.6, compiled=True)   # step 3 compiled
    line.end(T, 4, t=1.7)
    line.settle(T)
    one, two, three, four = line.drain()
    # Steps 1 and 2 ran on the device while step 3 compiled: their hooks
    # (0.5, 0.6) are their ends. They are one clump (hooks after the next
    # begin, 0.1 s apart as the begins): 0.0 -> 0.6 shared, 300 ms each.
    # Step 3 keeps 0.6 -> 1.5; step 4 waits 1.5 -> 1.6 and runs to 1.7.
    assert [one.kind, two.kind] == [None, None]
    assert [one.batch_ms, two.batch_ms] == pytest.approx([300, 300])
    assert (three.kind, three.batch_ms) == ("recompile", pytest.approx(900))
    assert (four.input_wait_ms, four.batch_ms) == pytest.approx((100, 100))


def test_steps_whose_end_a_compile_hid_are_left_out_of_the_figures():
    """Out-of-order hooks around a compile: steps 2-3 were queued while the
    host compiled step 4 (from 0.4 s); their hooks (1.53, 1.54) came after
    step 4's own (1.52), which bounds them, and that bound holds the
    compile: when they ended is unknown. They are timed, not counted."""
    from keras_timing.analysis.stats import RunStats

    line = Timeline()
    line.anchor("t", 0.0, first_of_call=True)
    for step, t in ((1, 0.0), (2, 0.2), (3, 0.3), (4, 0.4)):
        line.begin("t", step, t=t)
    line.end("t", 1, t=0.2, samples=32)
    line.begin("t", 5, t=1.5, compiled=True)   # step 4 compiled
    line.end("t", 4, t=1.52, samples=32)
    for step, t in ((2, 1.53), (3, 1.54)):
        line.end("t", step, t=t, samples=32)
    line.end("t", 5, t=1.8, samples=32)
    line.begin("t", 6, t=1.85)
    line.end("t", 6, t=2.0, samples=32)
    line.settle("t")
    times = line.drain()
    assert [t.kind for t in times] == ["first", "overlap", "overlap",
                                       "recompile", None, None]
    # Steps 2-3 end by step 4's begin (0.4); with step 1 they are a clump
    # (hooks no further apart than the begins), each lasting until the
    # next began: 0.3, 0.4. Steps 4-5 are a clump (4's hook after 5 began):
    # step 4 lasts until 5 began (1.5), step 5 runs 1.5 -> 1.8; step 6
    # waits 50 ms and runs 150 ms. Counted: 5 and 6, 300 + 200 ms over 64
    # samples.
    assert [t.end_time for t in times[1:4]] == pytest.approx([0.3, 0.4, 1.5])
    stats = RunStats("t")
    stats.add(times, final=True)
    summary = stats.summary()
    assert summary["steps"] == 6
    assert summary["ms_per_sample"] == pytest.approx((300 + 200) / 64)


def test_a_validation_end_hook_before_trains_late_ones_shares_the_clump():
    # JAX with asynchronous end hooks (tests/programs/test_convnet.py on a
    # busy machine): train's steps 2 and 3 are queued (begun at 1.0, 1.5)
    # when validation begins its call's first step at 3.0; its end hook
    # runs at 10.0, train's late ones at 10.1 and 10.2. The device ran them
    # in order, so train's ends are bounded to 10.0: one clump of three
    # steps from step 2's begin, 1.0 -> 10.0, 3 s each. Timed from its own
    # end hook, validation's step would keep 10.0 - 10.0 = nothing, and
    # have no samples/s.
    line = Timeline()
    line.anchor(T, 0.0, first_of_call=True)
    line.begin(T, 1, t=0.0)
    line.end(T, 1, t=0.9)
    line.begin(T, 2, t=1.0)
    line.begin(T, 3, t=1.5)
    line.anchor(V, 2.5, first_of_call=True)
    line.begin(V, 1, t=3.0)
    line.end(V, 1, t=10.0)
    line.end(T, 2, t=10.1)
    line.end(T, 3, t=10.2)
    line.begin(V, 2, t=10.3)
    line.end(V, 2, t=11.0)
    line.settle(T)
    line.settle(V)
    one, two, three, val1, val2 = line.drain()
    assert [s.run for s in (two, three, val1, val2)] == [T, T, V, V]
    assert [two.batch_ms, three.batch_ms, val1.batch_ms] == pytest.approx(
        [3000, 3000, 3000])
    assert (val1.kind, val1.epoch_start_ms) == ("first", pytest.approx(0))
    # Then 0.3 s of waiting for validation's step 2, and its 0.7 s.
    assert (val2.input_wait_ms, val2.batch_ms) == pytest.approx((300, 700))
    assert sum(s.interval_ms for s in (one, two, three, val1, val2)) == (
        pytest.approx(11000))
