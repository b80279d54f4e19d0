"""RunStats and Decimator on hand-made StepTimes: no Keras, no clock.

The expected figures are worked out by hand in the comments.
"""

import math

import pytest

from keras_timing import schema
from keras_timing.analysis.steps import StepTime
from keras_timing.analysis.stats import Decimator
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.passes import steady


def _step(first, batch, wait=0.0, kind=None, samples=32, epoch=0.0, last=None):
    last = first if last is None else last
    return StepTime(first, last, batch, wait, float(last), kind, samples,
                    epoch)


# Call 1 of "train": a first step, two counted calls, a recompile and one
# more counted step; step 3-4 is one call of steps_per_execution=2.
STEPS = [
    _step(1, 50.0, kind="first", epoch=10.0),
    _step(2, 2.0, 0.5),
    _step(3, 4.0, 1.0, samples=64, epoch=0.5, last=4),
    _step(5, 30.0, kind="recompile", samples=16),
    _step(6, 1.0, samples=16),
]


def test_summary_totals_leave_out_first_and_recompiled_steps():
    stats = RunStats("train")
    stats.add(STEPS, final=True)
    stats.add_call(100.0, 20.0)
    stats.add_call(50.0, 5.0)
    s = stats.summary()
    # Counted: steps 2, 3, 4, 6 (4 steps). Batch 2 + 2 * 4 + 1 = 11 ms,
    # wait 0.5 + 2 * 1 = 2.5 ms, so 13.5 ms held over 4 steps; samples
    # 32 + 64 + 16 = 112 in those 13.5 ms.
    assert s["run"] == "train"
    assert (s["steps"], s["recompiles"]) == (6, 1)
    assert (s["first_batch_ms"], s["recompile_ms"]) == (50.0, 30.0)
    assert s["input_wait_share"] == pytest.approx(2.5 / 13.5)
    assert s["ms_per_step"] == pytest.approx(3.375)
    assert s["ms_per_sample"] == pytest.approx(13.5 / 112)
    assert s["samples_per_sec"] == pytest.approx(112_000 / 13.5)
    # Epoch starts: 10 ms for step 1, 0.5 ms for each of steps 3 and 4.
    assert s["epoch_start_ms"] == pytest.approx(11.0)
    assert (s["call_ms"], s["outside_steps_ms"]) == (150.0, 25.0)
    assert stats.calls == 2
    # Batch times 1, 2, 4, 4 (step 3-4 counts twice): mean 11 / 4; ranks
    # 0.5 * 3 = 1.5 -> 2; 0.9 * 3 = 2.7 and 0.99 * 3 -> 4.
    assert s["mean_ms"] == pytest.approx(2.75)
    assert [s["p50_ms"], s["p90_ms"], s["p99_ms"]] == pytest.approx(
        [2.0, 4.0, 4.0], rel=0.005)
    assert not stats.unknown_batch_size


def test_points_carry_each_steps_own_tags():
    points = RunStats("train").add(STEPS, final=True)
    b, w = schema.BATCH_MS, schema.INPUT_WAIT_MS
    sps = schema.SAMPLES_PER_SEC
    assert [p[0] for p in points] == [1, 2, 4, 5, 6]
    # 32 samples in 50 ms: 640/s; 32 in 2.5 ms: 12,800/s; 64 in 2 * 5 ms:
    # 6,400/s; 16 in 30 ms: 533.3/s; 16 in 1 ms: 16,000/s.
    assert points[0][1] == pytest.approx({
        b: 50.0, w: 0.0, schema.EPOCH_START_MS: 10.0, sps: 640.0,
        schema.FIRST_BATCH_MS: 50.0})
    assert points[1][1] == pytest.approx({b: 2.0, w: 0.5, sps: 12_800.0})
    assert points[2][1] == pytest.approx({
        b: 4.0, w: 1.0, schema.STEPS: 2, schema.EPOCH_START_MS: 0.5,
        sps: 6_400.0})
    assert points[3][1] == pytest.approx({
        b: 30.0, w: 0.0, sps: 16_000 / 30, schema.RECOMPILE_MS: 30.0})
    # The call's last point carries the band (no 10th point in this call):
    # ms per sample of the counted steps 2.5/32, 10/64, 1/16 sorted as
    # 0.0625, 0.078125, 0.15625: median the middle, p10 the first, p90
    # the last.
    assert points[4][1] == pytest.approx({
        b: 1.0, w: 0.0, sps: 16_000.0, schema.MS_PER_SAMPLE: 0.078125,
        schema.MS_PER_SAMPLE_P10: 0.0625, schema.MS_PER_SAMPLE_P90: 0.15625})


def test_a_step_of_no_time_has_no_rate():
    ((step, values),) = RunStats("predict").add([_step(1, 0.0)])
    assert values == {schema.BATCH_MS: 0.0, schema.INPUT_WAIT_MS: 0.0}


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


def test_unknown_batch_size_gives_per_step_figures_only():
    stats = RunStats("predict")
    points = stats.add([_step(1, 3.0, 1.0, samples=None),
                        _step(2, 5.0, samples=None)], final=True)
    s = stats.summary()
    # 3 + 1 + 5 = 9 ms over 2 steps, 1 ms of it input wait.
    assert stats.unknown_batch_size and [
        s["ms_per_step"], s["input_wait_share"]] == pytest.approx([4.5, 1 / 9])
    assert math.isnan(s["ms_per_sample"]) and math.isnan(s["samples_per_sec"])
    assert [sorted(p[1]) for p in points] == [
        sorted([schema.BATCH_MS, schema.INPUT_WAIT_MS])] * 2


def test_an_empty_run_has_no_figures():
    s = RunStats("evaluate").summary()
    assert (s["steps"], s["recompiles"], s["recompile_ms"]) == (0, 0, 0)
    assert (s["epoch_start_ms"], s["call_ms"], s["outside_steps_ms"]) == (
        0.0, 0.0, 0.0)
    assert all(math.isnan(s[k]) for k in (
        "p50_ms", "p90_ms", "p99_ms", "mean_ms", "first_batch_ms",
        "input_wait_share", "samples_per_sec", "ms_per_sample", "ms_per_step"))


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


def test_p90_and_p99_are_not_the_maximum():
    # Ten steps of 1 .. 10 ms: ranks 0.5 * 9 = 4.5 -> 5 ms, 0.9 * 9 = 8.1
    # and 0.99 * 9 = 8.91 -> 9 ms (the 10 ms step is above both).
    stats = RunStats("train")
    stats.add([_step(i, float(i)) for i in range(1, 11)])
    s = stats.summary()
    assert [s["p50_ms"], s["p90_ms"], s["p99_ms"], s["mean_ms"]
            ] == pytest.approx([5.0, 9.0, 9.0, 5.5], rel=0.005)


def test_sub_millisecond_steps_still_have_shares_and_rates():
    # 0.25 ms batch + 0.25 ms wait, 2 samples: 0.25 ms each, 4,000/s.
    stats = RunStats("predict")
    stats.add([_step(1, 0.25, 0.25, samples=2)])
    s = stats.summary()
    assert (s["input_wait_share"], s["ms_per_sample"], s["samples_per_sec"]
            ) == (0.5, 0.25, pytest.approx(4_000))


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


def test_flops_and_utilisation_follow_the_sample_rate():
    stats = RunStats("train")
    stats.flops_per_sample = 2e9          # 2 GFLOP per sample
    stats.peak_flops = 1e14               # a 100 TFLOP/s device
    ((_, values),) = stats.add([_step(1, 8.0, 2.0, samples=50)])
    # 50 samples in 10 ms: 5,000 samples/s * 2e9 = 1e13 FLOP/s: 10 TFLOP/s,
    # a tenth of the peak.
    assert values[schema.SAMPLES_PER_SEC] == pytest.approx(5_000)
    assert values[schema.TFLOPS_PER_SEC] == pytest.approx(10.0)
    assert values[schema.MFU] == pytest.approx(0.1)
    s = stats.summary()
    assert s["flops_per_sample"] == 2e9
    assert (s["tflops_per_sec"], s["mfu"]) == pytest.approx((10.0, 0.1))
    # Without a known peak there is no utilisation.
    stats.peak_flops = None
    ((_, values),) = stats.add([_step(2, 8.0, 2.0, samples=50)])
    assert schema.MFU not in values and math.isnan(stats.summary()["mfu"])


def test_no_flops_figures_without_a_flop_count():
    stats = RunStats("train")
    ((_, values),) = stats.add([_step(1, 8.0, 2.0, samples=50)])
    assert schema.TFLOPS_PER_SEC not in values and schema.MFU not in values
    s = stats.summary()
    assert all(math.isnan(s[k]) for k in (
        "flops_per_sample", "tflops_per_sec", "mfu", "peak_memory_mb"))


def test_the_memory_peak_goes_on_the_last_point_and_the_summary_the_max():
    stats = RunStats("train")
    points = stats.add([_step(1, 1.0), _step(2, 1.0)])
    stats.memory_point(points, 512.0)
    assert [schema.PEAK_MEMORY_MB in p[1] for p in points] == [False, True]
    assert points[1][1][schema.PEAK_MEMORY_MB] == 512.0
    later = stats.add([_step(3, 1.0)])
    stats.memory_point(later, 256.0)      # a lower peak since then
    stats.memory_point([], 1024.0)        # nothing written: not recorded
    stats.memory_point(later, None)       # not measured
    assert later[0][1][schema.PEAK_MEMORY_MB] == 256.0
    assert stats.summary()["peak_memory_mb"] == 512.0
    # A first peak under a megabyte is kept as it is.
    small = RunStats("predict")
    small.memory_point(small.add([_step(1, 1.0)]), 0.5)
    assert small.summary()["peak_memory_mb"] == 0.5


def test_the_peak_label_is_passed_through():
    stats = RunStats("train")
    assert stats.summary()["peak_label"] == ""
    stats.peak_label = "of 989 TFLOP/s bf16"   # set by the recorder
    assert stats.summary()["peak_label"] == "of 989 TFLOP/s bf16"


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
