"""`verdict_figures.Figures.read_ms`, the data read in a run's steps that
the epoch-end rule adds to the data adapter's epoch ends: a read of
exactly INPUT_WAIT_MS per step counts, and so does a run of one step.
Known inputs; the answers worked out by hand in the comments."""

import pytest

from keras_timing.analysis.verdict_figures import INPUT_WAIT_MS
from keras_timing.analysis.verdict_figures import Figures


def _read_ms(**fields):
    s = {"run": "train", "ms_per_step": 2.0, "p50_ms": 2.0}
    s.update(fields)
    return Figures(s, None, True).read_ms


@pytest.mark.parametrize("fetch, steps, expected", [
    # Half of a 2 ms step is 1 ms (INPUT_WAIT_MS) a step: 10 steps, 10 ms.
    (0.5, 10, 10.0),
    # One step of it: 1 ms.
    (0.5, 1, 1.0),
    # 0.9 ms a step is the loop's own Python, not a read.
    (0.45, 10, 0.0),
    # No step counted.
    (0.5, 0, 0.0),
])
def test_a_read_counts_from_input_wait_ms_per_step(fetch, steps, expected):
    assert INPUT_WAIT_MS == 1.0
    assert _read_ms(fetch_share=fetch, steps=steps) == expected


def test_input_wait_and_the_read_in_the_step_add_up():
    # 25% waited + 25% read in the step of a 2 ms step: 1 ms a step.
    assert _read_ms(input_wait_share=0.25, fetch_share=0.25,
                    steps=4) == 4.0
