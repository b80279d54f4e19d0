"""The points written before a run's FLOPs are known wait for their
throughput in a bounded log (`points.RateLog`; issue 20: the timer's memory
stays bounded however long a call runs before its count lands). Written
through `RunWriter` and read back with tbparse.
"""

import pytest
from tbparse import SummaryReader

from keras_timing import schema
from keras_timing.analysis import points
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter

FLOPS_PER_SAMPLE = 3.0e9


def _read(path):
    frame = SummaryReader(str(path)).scalars
    back = {}
    for step, tag, value in frame[["step", "tag", "value"]].itertuples(
            index=False):
        back.setdefault(tag, {})[int(step)] = value
    return back


def _steps(count):
    # Plain 32-sample steps, every 50th a profiled one (the one-by-one
    # path), intervals growing so that each rate is its own.
    return [StepTime(s, s, 2.0 + s / 1000, 0.5, float(s), samples=32,
                     kind=StepKind.PROFILED if s % 50 == 0 else None)
            for s in range(1, count + 1)]


@pytest.mark.parametrize("kept", [64, 65])
def test_a_long_call_before_its_count_keeps_at_most_the_cap(tmp_path,
                                                             monkeypatch,
                                                             kept):
    monkeypatch.setattr(points, "RATES_KEPT", kept)
    stats = RunStats(schema.TRAIN)
    writer = RunWriter(str(tmp_path))
    times = _steps(1000)
    for at in range(0, len(times), 100):       # ten drains
        writer.scalar_rows(stats.add_rows(times[at:at + 100]), wall_time=1.0)
    assert len(stats._rates.steps) <= kept
    stats.flops_per_sample = FLOPS_PER_SAMPLE   # the count lands
    for step, values in stats.backfill():
        writer.scalars(step, values, wall_time=2.0)
    writer.close()
    back = _read(tmp_path)
    rate, tflops = back[schema.SAMPLES_PER_SEC], back[schema.TFLOPS_PER_SEC]
    assert len(rate) == 1000
    # Thinned to at most the cap, evenly over the call: every 16th point
    # (1,000 points through a cap of 64 or 65).
    assert kept // 2 <= len(tflops) <= kept
    ordered = sorted(rate)
    assert sorted(tflops) == ordered[::16]
    for step, value in tflops.items():
        assert value == pytest.approx(rate[step] * FLOPS_PER_SAMPLE / 1e12,
                                      rel=1e-6)
    assert stats.backfill() == []               # written once


def test_a_call_within_the_cap_gets_every_point_backfilled(tmp_path):
    stats = RunStats(schema.PREDICT)
    writer = RunWriter(str(tmp_path))
    writer.scalar_rows(stats.add_rows(_steps(300), final=True),
                       wall_time=1.0)
    stats.flops_per_sample = FLOPS_PER_SAMPLE
    for step, values in stats.backfill():
        writer.scalars(step, values, wall_time=2.0)
    writer.close()
    back = _read(tmp_path)
    assert set(back[schema.TFLOPS_PER_SEC]) == set(
        back[schema.SAMPLES_PER_SEC]) == set(range(1, 301))
