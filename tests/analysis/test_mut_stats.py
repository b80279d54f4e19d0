"""RunStats where the other stats tests leave it open: the points the
fit/predict interval is drawn from (warm-up left out as in the summary,
per sample or per step) and the throughput figures to the last digit.
Hand-made StepTimes; the answers are worked out in the comments."""

import math

import pytest

from keras_timing import schema
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime


def _step(first, batch, wait=0.0, kind=None, samples=32, opens=False):
    return StepTime(first, first, batch, wait, float(first), kind, samples,
                    opens=opens)


# Epoch 1 (warm-up): a first step and two slow counted steps; epochs 2 and
# 3: three counted steps each, so the later epochs stand for the run.
EPOCHS = [
    _step(1, 50.0, kind="first", opens=True), _step(2, 9.0, 1.0),
    _step(3, 7.0),
    _step(4, 2.0, opens=True), _step(5, 2.0, 0.5), _step(6, 3.0, 0.5),
    _step(7, 2.5, opens=True), _step(8, 2.0), _step(9, 1.5),
]


def test_the_intervals_points_leave_out_warm_up_as_the_summary_does():
    stats = RunStats("train")
    stats.add(EPOCHS, final=True)
    # Steps 4-9, each its batch + wait: 2, 2.5, 3.5, 2.5, 2, 1.5 ms.
    per_sample = stats.points(per_sample=True)
    assert sorted(per_sample.ms.tolist()) == [1.5, 2.0, 2.0, 2.5, 2.5, 3.5]
    assert per_sample.per.tolist() == [32.0] * 6
    assert per_sample.seen == 6
    # Their sum over their samples is the summary's ms per sample.
    assert per_sample.ms.sum() / per_sample.per.sum() == pytest.approx(
        stats.summary()["ms_per_sample"])


def test_per_step_points_count_steps_not_samples():
    stats = RunStats("train")
    stats.add(EPOCHS, final=True)
    per_step = stats.points(per_sample=False)
    assert per_step.per.tolist() == [1.0] * 6
    assert per_step.ms.sum() / per_step.per.sum() == pytest.approx(
        stats.summary()["ms_per_step"])


def test_while_the_first_pass_stands_its_points_are_drawn_too():
    # One long call (steps 2-5 counted), then a short one (step 7): the
    # short call cannot stand for the run, so all five points are drawn.
    stats = RunStats("predict")
    stats.add([_step(1, 50.0, kind="first", opens=True), _step(2, 9.0, 1.0),
               _step(3, 7.0), _step(4, 2.0), _step(5, 2.5)], final=True)
    stats.add([_step(6, 1.0, kind="first", opens=True), _step(7, 0.5)],
              final=True)
    points = stats.points(per_sample=True)
    assert sorted(points.ms.tolist()) == [0.5, 2.0, 2.5, 7.0, 10.0]
    assert points.seen == 5


def test_throughput_points_to_the_last_digit():
    # 1,000 samples in a 1 s step: 1,000 samples/s; 2 GFLOP each is
    # 2e12 FLOP/s, 2.0 TFLOP/s exactly, half of a 4e12 FLOP/s peak.
    stats = RunStats("predict")
    stats.flops_per_sample, stats.peak_flops = 2e9, 4e12
    (_, values), = stats.add([_step(1, 1000.0, samples=1000)])
    assert values[schema.SAMPLES_PER_SEC] == 1000.0
    assert values[schema.TFLOPS_PER_SEC] == 2.0
    assert values[schema.MFU] == 0.5
    s = stats.summary()
    assert (s["tflops_per_sec"], s["mfu"]) == (2.0, 0.5)


def test_points_written_before_the_flop_count_are_backfilled_exactly():
    stats = RunStats("predict")
    stats.add([_step(1, 500.0, samples=1000)])   # 2,000 samples/s
    stats.flops_per_sample = 5e8                 # 1e12 FLOP/s: 1 TFLOP/s
    assert stats.backfill() == [(1, {schema.TFLOPS_PER_SEC: 1.0})]
    assert stats.backfill() == []
    assert math.isnan(stats.summary()["mfu"])


def test_profiled_steps_are_counted_apart_and_left_out():
    # A profiler window over steps 3-4 (one call of steps_per_execution=2)
    # and step 6: three profiled steps, none of them in the figures.
    stats = RunStats("train")
    assert stats.summary()["profiled_steps"] == 0
    stats.add([_step(1, 50.0, kind="first", opens=True), _step(2, 2.0),
               StepTime(3, 4, 40.0, 0.0, 4.0, "profiled", 32),
               _step(5, 2.0), _step(6, 30.0, kind="profiled")], final=True)
    s = stats.summary()
    assert (s["steps"], s["profiled_steps"]) == (6, 3)
    assert s["ms_per_step"] == 2.0 and s["p99_ms"] == pytest.approx(2.0,
                                                                    rel=0.01)


def test_a_batch_of_one_sample_has_a_rate():
    # batch_size=1: 1 sample in 4 ms is 250 samples/s.
    (_, values), = RunStats("predict").add([_step(1, 3.0, 1.0, samples=1)])
    assert values[schema.SAMPLES_PER_SEC] == 250.0


def test_steps_that_took_no_measurable_time_have_no_rate():
    # A clock too coarse for the step: 0 ms held, 64 samples.
    stats = RunStats("predict")
    stats.add([_step(1, 0.0, samples=64), _step(2, 0.0, samples=64)],
              final=True)
    s = stats.summary()
    # 0 ms over 128 samples is 0 ms per sample; 128 in 0 ms no rate.
    assert math.isnan(s["samples_per_sec"])
    assert (s["ms_per_sample"], s["ms_per_step"]) == (0.0, 0.0)


def test_steps_of_unknown_batch_size_have_no_rate_in_the_summary():
    stats = RunStats("predict")
    stats.add([_step(1, 2.0, samples=None), _step(2, 2.0, samples=None)],
              final=True)
    s = stats.summary()
    assert math.isnan(s["samples_per_sec"]) and s["ms_per_step"] == 2.0
    assert stats.unknown_batch_size
