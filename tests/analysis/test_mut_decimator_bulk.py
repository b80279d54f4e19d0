"""The decimator's bulk path (`Decimator.push_plain`, the writer's drain of
plain steps) on calls of several steps (`steps_per_execution=2`): the
merged points' means per step worked out by hand, and the same points as
`push` gives one step at a time."""

import pytest

from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.decimator import Decimator
from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepTime


def _calls(count, samples=64, n=2):
    """`count` predict calls of `n` steps each: call i (from 0) reads
    1 + i ms per step of batch, 0.5 * (1 + i) of wait; it ends at 0.25 s
    per step, so a point's end time is not its last step."""
    return [StepTime(n * i + 1, n * i + n, 1.0 + i, 0.5 * (1 + i),
                     0.25 * (n * i + n), samples=samples, run="predict",
                     call=3) for i in range(count)]


def _as_points(out, block):
    """push_plain's output as StepTimes: its ranges' rows, in order."""
    points = []
    for p in out:
        points += [block.times[i] for i in p] if isinstance(p, range) \
            else [p]
    return points


def _one_by_one(times, full, per):
    d, out = Decimator(full_steps=full, block_steps=per), []
    for t in times:
        out += d.push(t)
    return out + d.flush()


def test_three_calls_of_two_steps_make_one_point_of_their_means():
    times = _calls(3)
    d = Decimator(full_steps=0, block_steps=6)
    (point,) = d.push_plain(StepBlock(times), 0, 3)
    # Batch (2 * 1 + 2 * 2 + 2 * 3) / 6 = 2 ms per step, wait 1 ms; all
    # three calls' 192 samples; it ends where the last call ends (1.5 s).
    assert (point.first_step, point.last_step, point.end_time) == (1, 6, 1.5)
    assert (point.batch_ms, point.input_wait_ms) == (2.0, 1.0)
    assert point.samples == 192 and point.values is None
    assert d.seen == 6 and d.flush() == []


def test_calls_pass_through_then_merge_as_one_by_one():
    # Steps 1-4 (two calls) pass through; then points of 4 steps: calls
    # 2-3 (steps 5-8), 4-5 (9-12); call 6 (steps 13-14) waits for more.
    times = _calls(7)
    block = StepBlock(times)
    d = Decimator(full_steps=4, block_steps=4)
    out = d.push_plain(block, 0, 7)
    assert out[0] == range(0, 2) and len(out) == 3
    merged = out[1:]
    assert [(p.first_step, p.last_step) for p in merged] == [(5, 8), (9, 12)]
    # (3 + 4) / 2 and (5 + 6) / 2 ms per step; waits half of it.
    assert [p.batch_ms for p in merged] == [3.5, 5.5]
    assert [p.input_wait_ms for p in merged] == [1.75, 2.75]
    assert [p.end_time for p in merged] == [2.0, 3.0]
    # The last call, alone in its block, is itself (run and call kept).
    assert d.flush() == [times[6]]
    assert _as_points(out, block) + [times[6]] == _one_by_one(times, 4, 4)


def test_a_block_of_one_call_after_others_is_that_call():
    # Call 0 passes through (2 steps, full_steps 2); calls 1 and 2 each
    # fill a block of 2 steps alone: each point is the call itself.
    times = _calls(3)
    d = Decimator(full_steps=2, block_steps=2)
    out = d.push_plain(StepBlock(times), 0, 3)
    assert out == [range(0, 1), times[1], times[2]]
    assert out[1].run == "predict" and out[1].call == 3


def test_an_unknown_size_before_the_block_is_not_the_blocks():
    # Call 0's size is unknown (it passes through); calls 1-2 are merged
    # from their own sizes: 64 + 32.
    times = _calls(3)
    times[0].samples, times[2].samples = None, 32
    d = Decimator(full_steps=2, block_steps=4)
    out = d.push_plain(StepBlock(times), 0, 3)
    assert out[0] == range(0, 1)
    assert (out[1].first_step, out[1].last_step, out[1].samples) == (
        3, 6, 96)


def test_a_drain_in_two_parts_continues_the_block():
    # Rows 1-2 of a block drained after row 0 went through `push` (an odd
    # step): the block of 6 steps spans both; its head is call 0.
    times = _calls(3)
    block = StepBlock(times)
    d = Decimator(full_steps=0, block_steps=6)
    assert d.push(times[0]) == []
    (point,) = d.push_plain(block, 1, 3)
    assert (point.first_step, point.last_step) == (1, 6)
    assert (point.batch_ms, point.input_wait_ms) == (2.0, 1.0)
    assert point == _one_by_one(times, 0, 6)[0]


def test_nothing_passes_through_once_the_run_is_past_full_steps():
    times = _calls(4)
    d = Decimator(full_steps=0, block_steps=4)
    out = d.push_plain(StepBlock(times), 0, 4)
    assert [(p.first_step, p.last_step) for p in out] == [(1, 4), (5, 8)]
    assert all(not isinstance(p, range) for p in out)
    assert d.push_plain(StepBlock(times), 2, 2) == []


@pytest.mark.parametrize("sizes, merged", [
    ([None, 64, 64], None),                 # the run's batch size unknown
    ([64, UNKNOWN_SAMPLES, 64], UNKNOWN_SAMPLES),   # a partial last batch
    ([64, 64, 32], 160),
])
def test_a_merged_points_samples_from_the_block(sizes, merged):
    times = [StepTime(2 * i + 1, 2 * i + 2, 1.0, 0.0, 0.0, samples=s)
             for i, s in enumerate(sizes)]
    d = Decimator(full_steps=0, block_steps=6)
    (point,) = d.push_plain(StepBlock(times), 0, 3)
    assert point.samples == merged
    assert point == _one_by_one(times, 0, 6)[0]
