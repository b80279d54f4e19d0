"""Measured step figures (`timing/fetch_ms`: JAX's fetch clock on every
step) are columns of a drained block, not odd steps: the decimator's bulk
path merges them as `push` does one step at a time, and the points of a
drained block read back (tbparse) with every step's figure."""

import math

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


def _measured_block(first, count, steps=1, both=False):
    """`count` calls of `steps` steps from step `first`: 2 ms a step, a
    fetch of 0.5 ms a step (and, with `both`, every other call a first
    fetch of 0.25 ms: two measured figures, not on every step)."""
    times = []
    for i in range(count):
        values = {"fetch_ms": 0.5}
        if both and i % 2:
            values["epoch_fetch_ms"] = 0.25
        s = first + i * steps
        times.append(StepTime(s, s + steps - 1, 2.0, 0.0, 0.01 * s,
                              samples=32 * steps, values=values))
    return times


def test_measured_sums_run_across_drains():
    # A first step opens the run; then 40 steps in one drain or in two.
    opening = [StepTime(1, 1, 9.0, 0.0, 0.01, "first", 32, opens=True)]
    one, two = RunStats("train"), RunStats("train")
    steps = _measured_block(2, 40)
    one.add_rows(opening + steps, final=True)
    two.add_rows(opening + steps[:20])
    two.add_rows(steps[20:], final=True)
    # 0.5 ms of 2 ms a step, over all 40 counted steps in both.
    assert one.summary()["fetch_share"] == two.summary()["fetch_share"] == (
        pytest.approx(0.25))


def test_a_decimated_block_across_drains_merges_as_push_does():
    # Calls of two steps, decimated in blocks of 6 steps that span the two
    # drains; fetch means per step as one call at a time gives them.
    times = _measured_block(1, 9, steps=2, both=True)
    d, one = Decimator(full_steps=2, block_steps=6), []
    for t in times:
        one += d.push(t)
    one += d.flush()
    d, bulk = Decimator(full_steps=2, block_steps=6), []
    for part in (times[:3], times[3:]):
        block = StepBlock(part)
        for p in d.push_plain(block, 0, len(part)):
            bulk += [part[i] for i in p] if isinstance(p, range) else [p]
    bulk += d.flush()
    assert bulk == one
    # Steps 3-8 (calls 2-4): two of the three calls read a first fetch
    # of 0.25 ms a step, over 2 steps each: 1 ms over 6 steps.
    assert bulk[1].values == pytest.approx(
        {"fetch_ms": 0.5, "epoch_fetch_ms": 1 / 6})


def test_two_measured_figures_on_some_steps_read_back(tmp_path):
    stats, writer = RunStats("train"), RunWriter(str(tmp_path))
    opening = [StepTime(1, 1, 9.0, 0.0, 0.01, "first", 32, opens=True)]
    writer.scalar_rows(stats.add_rows(
        opening + _measured_block(2, 10, both=True), final=True),
        wall_time=1.0)
    writer.close()
    frame = SummaryReader(str(tmp_path)).scalars
    fetch = frame[frame.tag == "timing/fetch_ms"]
    first = frame[frame.tag == "timing/epoch_fetch_ms"]
    assert fetch.step.tolist() == list(range(2, 12))
    assert first.step.tolist() == [3, 5, 7, 9, 11]
    assert set(first.value.tolist()) == {0.25}
    assert set(frame[frame.tag == "timing/batch_ms"].step) == set(
        range(1, 12))


def test_a_part_no_counted_step_had_is_zero_where_its_whole_was_measured():
    # `epoch_fetch_ms` is a part of `fetch_ms`, written only where not
    # zero: steps that measured their fetch and had no first one had none.
    opening = [StepTime(1, 1, 9.0, 0.0, 0.01, "first", 32, opens=True)]
    measured, unmeasured = RunStats("train"), RunStats("train")
    measured.add_rows(opening + _measured_block(2, 10), final=True)
    unmeasured.add_rows([
        StepTime(s, s, 2.0, 0.0, 0.01 * s, samples=32, opens=s == 1)
        for s in range(1, 12)], final=True)
    got = measured.summary()
    assert (got["fetch_share"], got["epoch_fetch_share"]) == (
        pytest.approx(0.25), 0.0)
    both = RunStats("train")
    both.add_rows(opening + _measured_block(2, 10, both=True), final=True)
    # 5 first fetches of 0.25 ms over 10 steps of 2 ms.
    assert both.summary()["epoch_fetch_share"] == pytest.approx(0.0625)
    # No meter on the backend: neither figure is known.
    got = unmeasured.summary()
    assert math.isnan(got["fetch_share"])
    assert math.isnan(got["epoch_fetch_share"])
