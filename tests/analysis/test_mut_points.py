"""`points.PointRows` and `PointMaker` where the other point tests leave
them open: the memory peak put on a drain's last point when that point is
a plain one (a column group), read back with tbparse; a pass's first step
(its own point) written before the FLOPs are known and backfilled; and
the step count of a call of several steps, an int in the `(step,
values)` pairs. Hand-made steps; the answers worked out in the comments."""

import numpy as np
from tbparse import SummaryReader

from keras_timing import schema
from keras_timing.analysis.points import PointRows
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter


def _calls(first, count, n=1, opens_first=False):
    """Predict calls of `n` steps from step `first`: 4 ms per step of
    batch, 64 samples a call."""
    return [StepTime(s, s + n - 1, 4.0, 0.0, float(s), samples=64,
                     opens=opens_first and s == first)
            for s in range(first, first + count * n, n)]


def test_the_memory_peak_lands_on_a_plain_last_point(tmp_path):
    stats = RunStats("predict")
    rows = stats.add_rows(_calls(1, 5))
    assert isinstance(rows, PointRows) and not rows.extra  # all plain
    stats.memory_point(rows, 123.5)
    writer = RunWriter(str(tmp_path))
    writer.scalar_rows(rows, wall_time=1.0)
    writer.close()
    frame = SummaryReader(str(tmp_path)).scalars
    peak = frame[frame.tag == schema.PEAK_MEMORY_MB]
    assert peak[["step", "value"]].values.tolist() == [[5, 123.5]]
    assert stats.peak_memory_mb == 123.5
    # The other points keep their figures: 5 batch points of 4 ms.
    batch = frame[frame.tag == schema.BATCH_MS]
    assert batch.value.tolist() == [4.0] * 5


def test_an_opening_step_written_before_the_flops_is_backfilled():
    # Step 1 opens the call (a point of its own), steps 2-3 are plain:
    # 64 samples in 4 ms, 16,000 samples/s; 1e8 FLOP each is 1.6e12
    # FLOP/s, 1.6 TFLOP/s, for all three, in step order.
    stats = RunStats("predict")
    stats.add(_calls(1, 3, opens_first=True))
    stats.flops_per_sample = 1e8
    assert stats.backfill() == [(s, {schema.TFLOPS_PER_SEC: 1.6})
                                for s in (1, 2, 3)]


def test_a_calls_step_count_is_an_int_in_the_pairs():
    # Calls of 2 steps: each point says `steps` 2, as an int.
    rows = RunStats("predict").add_rows(_calls(1, 3, n=2))
    pairs = list(rows)
    assert [step for step, _ in pairs] == [2, 4, 6]
    for _, values in pairs:
        assert values[schema.STEPS] == 2
        assert isinstance(values[schema.STEPS], int)
    assert rows[0] == pairs[0] and rows[-1] == pairs[-1]
    assert len(rows) == 3


def test_the_rate_log_keeps_exactly_its_cap_and_any_number_type(
        monkeypatch):
    from keras_timing.analysis import points
    # At the cap (4 here) every point is kept; one more halves them.
    monkeypatch.setattr(points, "RATES_KEPT", 4)
    log = points.RateLog()
    log.add(np.array([1, 2, 3, 4], np.int32), [1000, 2000, 3000, 4000])
    assert log.take() == [(1, 1000.0), (2, 2000.0), (3, 3000.0),
                          (4, 4000.0)]
    log.add([1, 2, 3, 4, 5], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert log.take() == [(1, 1.0), (3, 3.0), (5, 5.0)]
