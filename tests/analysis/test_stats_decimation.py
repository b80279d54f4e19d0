"""RunStats' decimation after its full steps, the Decimator's blocks and the
rolling ms-per-sample band, on hand-made StepTimes: no Keras, no clock.

The expected figures are worked out by hand in the comments.
"""

import math

import pytest

from analysis.made_steps import step as _step
from keras_timing import schema
from keras_timing.analysis.stats import Decimator
from keras_timing.analysis.stats import RunStats


def test_the_band_is_a_rolling_window_of_fifty_written_every_tenth_point():
    # Step i takes i ms for one sample: i ms per sample. Each is drained
    # on its own (the band holds what was folded in by then).
    stats = RunStats("train")
    points = [p for i in range(1, 61)
              for p in stats.add([_step(i, float(i), samples=1)])]
    band = {p[0]: (p[1][schema.MS_PER_SAMPLE_P10], p[1][schema.MS_PER_SAMPLE],
                   p[1][schema.MS_PER_SAMPLE_P90])
            for p in points if schema.MS_PER_SAMPLE in p[1]}
    assert sorted(band) == [10, 20, 30, 40, 50, 60]
    # Point 10: 1..10, last index 9: p10 [0] = 1, median [4] = 5,
    # p90 [ceil(8.1)] = [9] = 10.
    assert band[10] == (1.0, 5.0, 10.0)
    # Point 20: 1..20, last index 19: [1] = 2, [9] = 10, [ceil(17.1)] = 19.
    assert band[20] == (2.0, 10.0, 19.0)
    # Point 60: the last fifty, 11..60, last index 49: [4] = 15,
    # [24] = 35, [ceil(44.1)] = [45] = 56.
    assert band[60] == (15.0, 35.0, 56.0)


def _alternating(first, last):
    # Odd steps 1 ms, even steps 3 ms, 0.5 ms wait, 10 samples each.
    return [_step(i, 1.0 if i % 2 else 3.0, 0.5, samples=10)
            for i in range(first, last + 1)]


def test_decimation_keeps_ten_thousand_steps_then_blocks_of_a_hundred():
    stats = RunStats("train")   # the shipped constants, not a test's own
    points = (stats.add(_alternating(1, 10_150))
              + stats.add(_alternating(10_151, 10_250), final=True))
    # 10,000 points of one step, then 10,001-10,100 and 10,101-10,200 as
    # blocks of 100, and the call's last 50 steps flushed at its end.
    assert len(points) == 10_003
    assert [p[0] for p in points[9_999:]] == [10_000, 10_100, 10_200, 10_250]
    assert schema.STEPS not in points[9_999][1]
    # A block of half 1 ms, half 3 ms steps: 2 ms mean batch, 0.5 ms wait;
    # 100 steps * 10 samples in 100 * 2.5 ms: 4,000 samples/s.
    for (_, values), steps in zip(points[10_000:], (100, 100, 50)):
        assert values[schema.STEPS] == steps
        assert values[schema.BATCH_MS] == pytest.approx(2.0)
        assert values[schema.INPUT_WAIT_MS] == pytest.approx(0.5)
        assert values[schema.SAMPLES_PER_SEC] == pytest.approx(4_000)
    # Sums over points stay exact: 5,125 steps of 1 ms and 5,125 of 3 ms.
    assert sum(v[schema.BATCH_MS] * v.get(schema.STEPS, 1)
               for _, v in points) == pytest.approx(20_500)
    s = stats.summary()
    assert (s["steps"], s["ms_per_step"]) == (10_250, pytest.approx(2.5))


def test_epoch_starts_and_recompiles_keep_their_own_points_when_decimating():
    stats = RunStats("train")
    stats.add(_alternating(1, 10_000))
    points = stats.add(_alternating(10_001, 10_030)
                       + [_step(10_031, 2.0, epoch=5.0, samples=10),
                          _step(10_032, 40.0, kind="recompile", samples=10)]
                       + _alternating(10_033, 10_132))
    # The 30 steps before the epoch start are flushed as one block; steps
    # 10,033-10,132 make one full block of 100.
    assert [(p[0], p[1].get(schema.STEPS, 1)) for p in points] == [
        (10_030, 30), (10_031, 1), (10_032, 1), (10_132, 100)]
    assert points[1][1][schema.EPOCH_START_MS] == 5.0
    assert points[2][1][schema.RECOMPILE_MS] == 40.0


def test_decimator_blocks_count_steps_not_calls():
    # Calls of 32 steps each: blocks of 100 steps close after the 4th call
    # (128 steps); a call of unknown samples makes the block's unknown.
    dec = Decimator(0, 100)
    calls = [_step(32 * k + 1, 2.0, 1.0, samples=320, last=32 * k + 32)
             for k in range(3)]
    calls.append(_step(97, 6.0, samples=None, last=128))
    assert [dec.push(t) for t in calls[:3]] == [[], [], []]
    (block,) = dec.push(calls[3])
    # 96 steps of 2 ms and 32 of 6 ms: (192 + 192) / 128 = 3 ms; 96 steps
    # of 1 ms wait and 32 of none: 96 / 128 = 0.75 ms.
    assert (block.first_step, block.last_step, block.steps) == (1, 128, 128)
    assert block.batch_ms == pytest.approx(3.0)
    assert block.input_wait_ms == pytest.approx(0.75)
    assert (block.samples, block.end_time) == (None, 128.0)
    assert dec.flush() == []


def test_decimation_can_be_set_or_turned_off():
    # Two steps on their own, then blocks of three: 3-5, then 6-7 at the end.
    stats = RunStats("train", full_steps=2, block_steps=3)
    points = stats.add(_alternating(1, 7), final=True)
    assert [(p[0], p[1].get(schema.STEPS, 1)) for p in points] == [
        (1, 1), (2, 1), (5, 3), (7, 2)]
    # The report rebuilds a run with no decimation at all.
    every = RunStats("train", full_steps=math.inf).add(_alternating(1, 10_050))
    assert [p[0] for p in every] == list(range(1, 10_051))


def _band_steps(points):  # the steps whose points carry the band
    return [p[0] for p in points if schema.MS_PER_SAMPLE in p[1]]


def test_each_call_writes_the_band_once_at_least():
    stats = RunStats("train")
    # Twelve steps: the band on the 10th point only, none added at the end.
    assert _band_steps(stats.add(_alternating(1, 12), final=True)) == [10]
    # The next call has three points: its last one carries the band.
    assert _band_steps(stats.add(_alternating(13, 15), final=True)) == [15]
    # A third short call gets its own band point too.
    assert _band_steps(stats.add(_alternating(16, 17), final=True)) == [17]


def test_steps_of_unknown_size_do_not_count_towards_the_band():
    # Nine steps of known size and a tenth of unknown size: no 10th band
    # point, and the unknown step never carries the band.
    stats = RunStats("train")
    points = stats.add(_alternating(1, 9) + [_step(10, 1.0, samples=None)])
    assert _band_steps(points) == []
    assert _band_steps(stats.add([_step(11, 1.0, samples=10)])) == [11]
