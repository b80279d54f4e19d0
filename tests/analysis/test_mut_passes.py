"""Warm-up and a pass's sums (`analysis.passes`) on hand-made steps: when
the later passes stand for a run, and which steps count samples."""

import pytest

from keras_timing.analysis.passes import Totals
from keras_timing.analysis.passes import later_passes_stand
from keras_timing.analysis.steps import StepTime


@pytest.mark.parametrize("first, later, stand", [
    (0, 0, False),    # no counted step at all: nothing stands
    (0, 1, True),     # a first pass of compiles only: one later step
    (1, 1, True),     # as many as the first pass
    (2, 1, False),
    (30, 30, True),
    (30, 29, False),
])
def test_later_passes_stand_once_they_hold_as_many_counted_steps(
        first, later, stand):
    assert later_passes_stand(first, later) is stand


def test_only_steps_of_known_size_count_samples():
    totals = Totals()
    # 2 ms over 3 steps of 1 sample; 4 ms (1 of it input wait) of 0
    # samples and of unknown samples; 1.5 ms of 32 samples.
    for samples, batch, wait in ((1, 2.0, 0.0), (0, 3.0, 1.0),
                                 (None, 3.0, 1.0), (32, 1.5, 0.0)):
        totals.add(StepTime(1, 3 if samples == 1 else 1, batch, wait, 0.0,
                            samples=samples))
    assert (totals.steps, totals.samples) == (6, 33)
    # The whole intervals of the sized steps: 3 x 2 + 1.5.
    assert totals.sampled_ms == 7.5
    assert (totals.batch_ms, totals.wait_ms) == (3 * 2.0 + 3.0 + 3.0 + 1.5,
                                                 2.0)


def test_a_union_sums_every_field():
    a, b = Totals(), Totals()
    a.add(StepTime(1, 2, 2.0, 0.5, 0.0, samples=16,
                   values={"fetch_ms": 0.25}))
    b.add(StepTime(3, 3, 1.0, 0.0, 0.0, samples=8,
                   values={"fetch_ms": 0.5, "h2d_ms": 0.1}))
    both = a.plus(b)
    assert (both.steps, both.batch_ms, both.wait_ms, both.samples,
            both.sampled_ms) == (3, 5.0, 1.0, 24, 6.0)
    assert both.measured == {"fetch_ms": 1.0, "h2d_ms": 0.1}
    # The parts are left as they were.
    assert (a.steps, a.measured) == (2, {"fetch_ms": 0.5})
