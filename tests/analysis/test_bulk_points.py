"""The writer's bulk path (issue 20): a drain's plain steps become numpy
point groups (`RunStats.add_rows`, `points.PointRows`) that the event writer
encodes in bulk. What it writes is read back with tbparse and checked
against each step's own figures, worked out here from the steps; the
reservoir's bulk add keeps the points one `add` at a time keeps."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from tbparse import SummaryReader

from keras_timing import schema
from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.ratio import Reservoir
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter



def f32(value):
    """The float32 an event file holds (past its range: inf)."""
    with np.errstate(over="ignore"):
        return np.float32(value)


def _written(tmp_path, stats, times, cuts):
    """Writes `times` drained at `cuts`; returns {step: {tag: value}}
    read back with tbparse, and the points as `add_rows` gave them."""
    writer, given_points = RunWriter(str(tmp_path)), []
    for a, b in zip([0] + cuts, cuts + [len(times)]):
        rows = stats.add_rows(times[a:b])
        given_points += list(rows)
        writer.scalar_rows(rows, wall_time=1.0)
    writer.close()
    frame = SummaryReader(str(tmp_path)).scalars
    back = {}
    for step, tag, value in frame[["step", "tag", "value"]].itertuples(
            index=False):
        back.setdefault(int(step), {})[tag] = value
    return back, given_points


def pop_step_figures(got, t):
    """Pops and checks the figures every point of step `t` has."""
    assert got.pop(schema.BATCH_MS) == f32(t.batch_ms)
    assert got.pop(schema.INPUT_WAIT_MS) == f32(t.input_wait_ms)
    if t.steps != 1:
        assert got.pop(schema.STEPS) == t.steps


def pop_band(got):
    """Pops the band of a point that carries it: p10 <= median <= p90."""
    band = [got.pop(tag) for tag in (
        schema.MS_PER_SAMPLE_P10, schema.MS_PER_SAMPLE,
        schema.MS_PER_SAMPLE_P90)]
    assert band == sorted(band)


@st.composite
def plain_steps(draw):
    """Counted steps of one pass after its first: batch and wait ms,
    steps each (steps_per_execution 1 or 2), sizes known or not."""
    count = draw(st.integers(1, 120))
    ms = st.floats(0.0, 50.0, allow_nan=False)
    times, step = [], 1
    for i in range(count):
        n = draw(st.sampled_from([1, 1, 1, 2]))
        samples = draw(st.sampled_from([32, 32, 32, 7, None, -1]))
        times.append(StepTime(step, step + n - 1, draw(ms), draw(ms),
                              float(i), samples=32 if i == 0 else samples))
        step += n
    cuts = sorted(set(draw(st.lists(st.integers(1, count), max_size=4))))
    return times, [c for c in cuts if c < count]


@settings(max_examples=25, deadline=None)
@given(plain_steps())
def test_each_plain_step_reads_back_with_its_own_figures(
        tmp_path_factory, drawn):
    times, cuts = drawn
    back, given_points = _written(tmp_path_factory.mktemp("run"),
                                  RunStats("train"), times, cuts)
    assert sorted(back) == [t.last_step for t in times]
    assert [step for step, _ in given_points] == sorted(back)
    sized = 0
    for t in times:
        got = dict(back[t.last_step])
        pop_step_figures(got, t)
        interval = (t.batch_ms + t.input_wait_ms) * t.steps
        if t.samples and t.samples > 0 and interval > 0:
            # float32 in the file (past its range: inf, as protobuf's).
            assert got.pop(schema.SAMPLES_PER_SEC) == f32(
                t.samples * 1e3 / interval)
        if t.samples and t.samples > 0:
            # The first step is sized: the band holds a point from the
            # first drain on, and every tenth sized step carries it.
            sized += 1
            if sized % 10 == 0:
                pop_band(got)
        assert got == {}, t


def test_decimated_blocks_read_back_as_their_means(tmp_path):
    # 0.5 ms steps, every seventh 4.0 ms, 10 samples each; after 20 steps
    # blocks of 8 steps: block k covers steps 21 + 8k .. 28 + 8k, k < 10.
    times = [StepTime(i, i, 4.0 if i % 7 == 0 else 0.5, 0.25, float(i),
                      samples=10) for i in range(1, 101)]
    back, _ = _written(tmp_path, RunStats("train", full_steps=20,
                                          block_steps=8), times, [13, 50])
    blocks = [times[a:a + 8] for a in range(20, 100, 8)]
    assert sorted(back) == list(range(1, 21)) + [b[-1].last_step
                                                 for b in blocks]
    for block in blocks:
        got = back[block[-1].last_step]
        assert got[schema.STEPS] == 8
        assert got[schema.BATCH_MS] == pytest.approx(
            sum(t.batch_ms for t in block) / 8, rel=1e-6)
        assert got[schema.SAMPLES_PER_SEC] == pytest.approx(
            80 * 1e3 / sum(t.batch_ms + 0.25 for t in block), rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(0, 400),
       st.lists(st.integers(1, 90), min_size=1, max_size=8))
def test_the_reservoir_keeps_in_bulk_what_it_keeps_point_by_point(
        capacity, count, chunks):
    ms = np.arange(count, dtype=np.float64) * 0.5
    one, bulk = Reservoir(capacity), Reservoir(capacity)
    for v in ms:
        one.add(float(v), 32, 1)
    at, i = 0, 0
    while at < count:
        stop = min(count, at + chunks[i % len(chunks)])
        bulk.add_many(ms[at:stop], np.full(stop - at, 32), np.ones(
            stop - at))
        at, i = stop, i + 1
    assert bulk.seen == one.seen == count
    assert bulk.rows().tolist() == one.rows().tolist()
    # A point a further `add` keeps is kept by both alike.
    one.add(1e3, 32, 1)
    bulk.add(1e3, 32, 1)
    assert bulk.rows().tolist() == one.rows().tolist()


def test_a_drained_block_of_two_runs_splits_into_their_own_steps():
    # Train steps 1-2 (the first anchored at 0.0), validation step 1
    # between them, hook times in seconds: each step's figures per step.
    block = StepBlock.timed(
        [1, 1, 2], [1, 1, 3], [0.1, 0.25, 0.3], [0.2, 0.3, 0.5],
        [0.0, 0.2, 0.3], [True, True, False], ["first", "first", None],
        [32, None, lambda steps: 16 * steps], ["train", "val", "train"],
        [1, 1, 1], [None, None, {"fetch_ms": 4.0}])
    runs = block.by_run()
    assert list(runs) == ["train", "val"]
    (val,) = runs["val"]
    assert (val.first_step, val.batch_ms, val.epoch_start_ms, val.samples,
            val.kind, val.opens) == (1, pytest.approx(50.0),
                                     pytest.approx(50.0), None, "first",
                                     True)
    one, two = runs["train"]
    assert (one.batch_ms, one.epoch_start_ms, one.input_wait_ms) == (
        pytest.approx(100.0), pytest.approx(100.0), 0.0)
    # Steps 2-3 in one call: 200 ms over two steps, 32 samples, the
    # measured figure per step (a column, not an odd step: the first is).
    assert (two.last_step, two.batch_ms, two.samples, two.values) == (
        3, pytest.approx(100.0), 32, {"fetch_ms": 2.0})
    assert runs["train"].odd == [0] and runs["train"].unsized is False
    assert runs["train"].values == [None, {"fetch_ms": 2.0}]
    assert runs["train"].measured(range(2))["fetch_ms"].tolist()[1] == 2.0
    assert runs["train"] == [one, two] and runs["train"] != [one]
