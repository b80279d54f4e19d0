"""The writer's bulk fold (`analysis.bulk.fold_counted`) gives what the
step-by-step sums give (`Totals.add`, a point per step in the reservoir, the
rolling band of ms per sample), on hand-made steps of several steps each,
unknown sizes and measured figures."""

from collections import deque

import pytest

from keras_timing.analysis.bulk import fold_counted
from keras_timing.analysis.passes import Totals
from keras_timing.analysis.ratio import Reservoir
from keras_timing.analysis.sketch import Sketch
from keras_timing.analysis.steps import StepTime


def _steps():
    """Steps 1-14: some of 3 steps (steps_per_execution=3), some of
    unknown size, some with a measured figure."""
    out, step = [], 1
    for i in range(8):
        n = 3 if i % 3 == 0 else 1
        samples = None if i == 5 else (0 if i == 6 else 16 + i)
        out.append(StepTime(step, step + n - 1, 1.0 + 0.5 * i, 0.25 * i,
                            0.0, samples=samples,
                            values={"fetch_ms": 0.1 * i} if i % 2 else None))
        step += n
    return out


def test_the_fold_gives_the_step_by_step_sums():
    times = _steps()
    folded, one_by_one = Totals(), Totals()
    fold_counted(times, Sketch(), folded, Reservoir(), deque(maxlen=50))
    for t in times:
        one_by_one.add(t)
    for name in ("steps", "batch_ms", "wait_ms", "samples", "sampled_ms"):
        assert getattr(folded, name) == pytest.approx(
            getattr(one_by_one, name)), name
    assert folded.measured == pytest.approx(one_by_one.measured)
    # Step 4 (0.1 ms), steps 6-8 (3 of 0.3 ms), 10 and 14: 0.1 + 0.9 +
    # 0.5 + 0.7.
    assert folded.measured["fetch_ms"] == pytest.approx(2.2)
    assert folded.steps == 14


def test_each_step_is_one_point_of_its_interval_and_steps():
    times = _steps()
    sample = Reservoir()
    fold_counted(times, Sketch(), Totals(), sample, deque(maxlen=50))
    per_step = sample.points(per_sample=False)
    assert list(per_step.ms) == pytest.approx([t.interval_ms for t in times])
    assert list(per_step.per) == [t.steps for t in times]
    per_sample = sample.points(per_sample=True)
    assert list(per_sample.per) == [t.samples for t in times
                                    if t.samples]


def test_the_band_keeps_the_last_sized_steps():
    times = _steps()
    band = deque(maxlen=3)
    fold_counted(times, Sketch(), Totals(), Reservoir(), band)
    sized = [t.interval_ms / t.samples for t in times if t.samples]
    assert list(band) == pytest.approx(sized[-3:])
    unbounded = deque()
    fold_counted(times, Sketch(), Totals(), Reservoir(), unbounded)
    assert list(unbounded) == pytest.approx(sized)


def test_whole_millisecond_times_sum_as_floats():
    totals, sketch = Totals(), Sketch()
    fold_counted([StepTime(1, 2, 3, 1, 0.0, samples=4),
                  StepTime(3, 3, 2, 0, 0.0, samples=4)],
                 sketch, totals, Reservoir(), deque(maxlen=5))
    assert (totals.batch_ms, totals.wait_ms, totals.sampled_ms) == (
        8.0, 2.0, 10.0)
    assert isinstance(totals.batch_ms, float)


def test_no_steps_change_nothing():
    totals, sample, band = Totals(), Reservoir(), deque(maxlen=5)
    fold_counted([], Sketch(), totals, sample, band)
    assert (totals.steps, sample.seen, len(band)) == (0, 0, 0)
