"""RunStats over a run that mixes what real runs mix: counted steps of
unknown size beside known ones, several recompiles, overlap and profiled
steps, steps_per_execution points. Each expected figure is worked out by
hand in the comment above it.
"""

import math

import pytest

from keras_timing import schema
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime


def _step(first, batch, wait=0.0, kind=None, samples=32, last=None):
    last = first if last is None else last
    return StepTime(first, last, batch, wait, float(last), kind, samples)


# One predict call. Counted: steps 2 (32 samples), 3 (size unknown: None),
# 4 (an epoch's last batch of unknown size: UNKNOWN_SAMPLES), 5-6 (one call
# of steps_per_execution=2, 64 samples). Left out: the first step, two
# recompiles (30 and 12 ms), a step a compile hid, a profiled step.
MIXED = [
    _step(1, 90.0, kind=StepKind.FIRST),
    _step(2, 3.0, 1.0),
    _step(3, 10.0, 2.0, samples=None),
    _step(4, 20.0, samples=UNKNOWN_SAMPLES),
    _step(5, 1.5, 0.5, samples=64, last=6),
    _step(7, 30.0, kind=StepKind.RECOMPILE, samples=16),
    _step(8, 7.0, kind=StepKind.OVERLAP),
    _step(9, 12.0, kind=StepKind.RECOMPILE, samples=16),
    _step(10, 40.0, kind=StepKind.PROFILED),
]


@pytest.fixture
def mixed():
    stats = RunStats(schema.PREDICT)
    points = stats.add(MIXED, final=True)
    return stats, points, stats.summary()


def test_samples_per_second_counts_only_steps_of_known_size(mixed):
    stats, _, s = mixed
    # Known size: step 2 (3 + 1 = 4 ms, 32 samples) and steps 5-6
    # ((1.5 + 0.5) * 2 = 4 ms, 64 samples): 96 samples in 8 ms.
    assert s["samples_per_sec"] == pytest.approx(96 * 1e3 / 8.0)
    assert s["ms_per_sample"] == pytest.approx(8.0 / 96)
    # Per step every counted step weighs, known size or not: 4 + 12 + 20
    # + 4 = 40 ms over 5 steps, 1 + 2 + 0 + 1 = 4 ms of it waiting.
    assert s["ms_per_step"] == pytest.approx(40.0 / 5)
    assert s["input_wait_share"] == pytest.approx(4.0 / 40.0)
    assert stats.unknown_batch_size


def test_recompile_time_is_the_sum_of_every_recompile(mixed):
    _, _, s = mixed
    # 30 + 12 ms; the largest alone would read 30.
    assert (s["recompiles"], s["recompile_ms"]) == (2, 42.0)
    assert s["first_batch_ms"] == 90.0


def test_left_out_steps_are_written_under_their_kinds_tag(mixed):
    _, points, s = mixed
    by_step = dict(points)
    for t in MIXED:
        if t.kind is not None:
            assert by_step[t.last_step][t.kind.tag] == t.batch_ms
    # Every point of known size gets a rate, left out or not: all but 3
    # and 4 (the recompile at step 9 holds 16 samples in 12 ms).
    rates = {step: v[schema.SAMPLES_PER_SEC] for step, v in points
             if schema.SAMPLES_PER_SEC in v}
    assert sorted(rates) == [1, 2, 6, 7, 8, 9, 10]
    assert rates[6] == pytest.approx(64e3 / 4.0)
    assert rates[9] == pytest.approx(16e3 / 12.0)
    # The quantiles see the counted steps, per step: 3, 10, 20, 1.5, 1.5.
    assert s["mean_ms"] == pytest.approx(36.0 / 5)
    assert s["p50_ms"] == pytest.approx(3.0, rel=0.006)
    assert s["steps"] == 10        # every step, 5-6 as two


def test_the_unknown_steps_alone_give_per_step_figures():
    stats = RunStats(schema.PREDICT)
    stats.add([t for t in MIXED if t.first_step in (3, 4)], final=True)
    s = stats.summary()
    # 12 + 20 ms over 2 steps; no sample of known size.
    assert s["ms_per_step"] == pytest.approx(16.0)
    assert math.isnan(s["samples_per_sec"])
    assert math.isnan(s["ms_per_sample"])


def test_throughput_of_a_multi_step_point_is_per_sample():
    stats = RunStats(schema.TRAIN)
    stats.flops_per_sample = 1e9
    stats.peak_flops = 4e13
    ((_, values),) = stats.add([_step(1, 3.0, 1.0, samples=64, last=4)])
    # `samples` is the whole point's: 64 in (3 + 1) * 4 = 16 ms, 4,000
    # samples/s; * 1e9 = 4e12 FLOP/s = 4 TFLOP/s, a tenth of a 40 TFLOP/s
    # peak.
    assert values[schema.SAMPLES_PER_SEC] == pytest.approx(4_000)
    assert values[schema.TFLOPS_PER_SEC] == pytest.approx(4.0)
    assert values[schema.MFU] == pytest.approx(0.1)


def test_a_run_that_only_has_hidden_multi_step_points():
    # A short JAX call with steps_per_execution=2: after its first step,
    # two points of 2 steps whose ends a compile hid, one of unknown size.
    # Hidden steps stand in: (3 + 1) * 2 + (5 + 0) * 2 = 18 ms over 4
    # steps; 2 samples known in 8 ms; data read 0.5 ms a step, 2 ms in all.
    stats = RunStats(schema.PREDICT)
    first = _step(1, 50.0, kind=StepKind.FIRST)
    first.opens = True
    hidden = [
        StepTime(2, 3, 3.0, 1.0, 3.0, StepKind.OVERLAP, 2,
                 values={"fetch_ms": 0.5}),
        StepTime(4, 5, 5.0, 0.0, 5.0, StepKind.OVERLAP, None,
                 values={"fetch_ms": 0.5}),
    ]
    stats.add([first] + hidden, final=True)
    s = stats.summary()
    assert s["ms_per_step"] == pytest.approx(18.0 / 4)
    assert s["input_wait_share"] == pytest.approx(2.0 / 18.0)
    assert s["ms_per_sample"] == pytest.approx(8.0 / 2)
    assert s["fetch_share"] == pytest.approx(2.0 / 18.0)
