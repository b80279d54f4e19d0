"""Measured step figures (`timing/fetch_ms`: JAX's fetch clock on every
step) are columns of a drained block, not odd steps: the decimator's bulk
path merges them as `push` does one step at a time, and the points of a
drained block read back (tbparse) with every step's figure."""

import pytest
from tbparse import SummaryReader

from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.decimator import Decimator
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter
from keras_timing.timer.clock import Timeline


def _steps(count):
    """Steps of 1 + i ms, each with a fetch of 0.5 * (1 + i) ms except
    every third (no read measured), one of two steps a call."""
    return [StepTime(i + 1, i + 1, 1.0 + i, 0.0, 0.01 * (i + 1),
                     samples=32, values=None if i % 3 == 2
                     else {"fetch_ms": 0.5 * (1 + i)})
            for i in range(count)]


def test_the_bulk_decimator_merges_measured_figures_as_push_does():
    times = _steps(11)
    block = StepBlock(times)
    assert block.odd == []
    d, one = Decimator(full_steps=2, block_steps=3), []
    for t in times:
        one += d.push(t)
    one += d.flush()
    d = Decimator(full_steps=2, block_steps=3)
    bulk = []
    for p in d.push_plain(block, 0, 11) + d.flush():
        bulk += [times[i] for i in p] if isinstance(p, range) else [p]
    assert bulk == one
    # Steps 3-5: fetches (absent), 2.0 and 2.5 ms: 4.5 / 3 per step.
    assert bulk[2].values == {"fetch_ms": 1.5}


def test_a_measured_fit_drained_reads_back_every_steps_fetch(tmp_path):
    # A JAX-like log: every begin carries the step before's fetch.
    line = Timeline()
    line.anchor("train", 0.0, first_of_call=True)
    for step in range(1, 201):
        values = {"fetch_ms": 0.01 * (step - 1)} if step > 1 else None
        line.begin("train", step, t=float(step), values=values)
        line.end("train", step, t=step + 0.5, samples=32)
    line.settle("train", values={"fetch_ms": 2.0})
    block = line.drain()
    assert len(block) == 200 and block.odd == [0]
    stats, writer = RunStats("train"), RunWriter(str(tmp_path))
    writer.scalar_rows(stats.add_rows(block, final=True), wall_time=1.0)
    writer.close()
    frame = SummaryReader(str(tmp_path)).scalars
    fetch = frame[frame.tag == "timing/fetch_ms"]
    assert fetch.step.tolist() == list(range(1, 201))
    # float32 in the event file.
    assert fetch.value.tolist()[:3] == pytest.approx([0.01, 0.02, 0.03])
    assert fetch.value.tolist()[-1] == 2.0
    assert len(frame[frame.tag == "timing/batch_ms"]) == 200
