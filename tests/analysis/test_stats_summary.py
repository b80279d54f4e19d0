"""RunStats' summary and per-step points on hand-made StepTimes: no Keras,
no clock (decimation and the band: test_stats_decimation.py; passes:
test_stats_passes.py).

The expected figures are worked out by hand in the comments.
"""

import math

import pytest

from analysis.made_steps import step as _step
from keras_timing import schema
from keras_timing.analysis.stats import RunStats


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
