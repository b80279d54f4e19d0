"""Decimator blocks: the merged point's measured figures are means per
step, and its samples say whether every batch's size is known (a sum),
one is unknown for the whole run (None), or one is an epoch's possibly
partial last batch (UNKNOWN_SAMPLES). Hand-made StepTimes."""

import pytest

from keras_timing.analysis.decimator import Decimator
from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepTime


def _block(*steps):
    """One merged point of `steps`: (first, last, samples, values) each;
    decimation from the first step on, a block as long as all of them."""
    d = Decimator(full_steps=0, block_steps=sum(b - a + 1 for a, b, *_ in
                                                steps))
    out = []
    for first, last, samples, values in steps:
        out += d.push(StepTime(first, last, 2.0, 0.5, float(last),
                               samples=samples, values=values))
    (point,) = out
    return point


def test_a_blocks_measured_figures_are_means_per_step():
    # Steps 1-2 (one call of steps_per_execution=2) read 1 ms each, step
    # 3 read 4 ms: (2 * 1 + 4) / 3 = 2 ms per step.
    point = _block((1, 2, 64, {"fetch_ms": 1.0}), (3, 3, 32,
                                                   {"fetch_ms": 4.0}))
    assert (point.first_step, point.last_step, point.steps) == (1, 3, 3)
    assert point.values == {"fetch_ms": pytest.approx(2.0)}
    assert (point.batch_ms, point.input_wait_ms) == (2.0, 0.5)


def test_a_block_of_batches_of_one_sample_sums_them():
    assert _block((1, 1, 1, None), (2, 2, 1, None)).samples == 2


def test_an_epochs_partial_last_batch_keeps_its_size_unknown():
    # Not None: the run's batch size is known, this block's is not.
    point = _block((1, 1, 32, None), (2, 2, UNKNOWN_SAMPLES, None))
    assert point.samples == UNKNOWN_SAMPLES
    assert _block((1, 1, None, None), (2, 2, 32, None)).samples is None
    assert point.values is None
