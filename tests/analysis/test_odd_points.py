"""The points of steps that are not plain (a compile, a profiled or overlap
step, a measured figure, a pass's first step, several steps a call), mixed
with plain ones, once the run's FLOPs are known: each step's figures,
samples per second, TFLOP/s and MFU, read back with tbparse and checked
against the step's own figures worked out here (mutation survivors of
`points.PointMaker._point`, which the plain steps' bulk path never runs).
"""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_timing import schema
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime
from tests.analysis.test_bulk_points import _written
from tests.analysis.test_bulk_points import f32
from tests.analysis.test_bulk_points import pop_band
from tests.analysis.test_bulk_points import pop_step_figures

FLOPS_PER_SAMPLE = 3.0e9
PEAK = 2.0e12
FETCH = "fetch_ms"   # a measured figure inside the step (figures.FETCH)


@st.composite
def mixed_steps(draw):
    """A sized plain first step, then steps of every sort: kinds, a
    measured fetch, pass openings, 1 or 2 steps a call, batches of 1, 7,
    32 samples or unknown, zero-length intervals."""
    count = draw(st.integers(1, 60))
    ms = st.sampled_from([0.0, 0.25, 1.5, 7.0])
    times = [StepTime(1, 1, 2.0, 0.5, 0.0, samples=32)]
    step = 2
    for i in range(count):
        n = draw(st.sampled_from([1, 1, 2]))
        kind = draw(st.sampled_from([None, None, None, StepKind.RECOMPILE,
                                     StepKind.OVERLAP, StepKind.PROFILED]))
        fetch = draw(st.sampled_from([None, None, 0.0, 0.75]))
        opens = draw(st.booleans())
        times.append(StepTime(
            step, step + n - 1, draw(ms), draw(ms), float(i + 1), kind=kind,
            samples=draw(st.sampled_from([32, 7, 1, None])),
            epoch_start_ms=draw(ms) if opens else 0.0, opens=opens,
            values=None if fetch is None else {FETCH: fetch}))
        step += n
    cuts = sorted(set(draw(st.lists(st.integers(1, count), max_size=3))))
    return times, [c for c in cuts if c < len(times)]


@settings(max_examples=40, deadline=None)
@given(mixed_steps())
def test_every_step_reads_back_with_its_throughput_once_flops_are_known(
        tmp_path_factory, drawn):
    times, cuts = drawn
    stats = RunStats("train")
    stats.flops_per_sample, stats.peak_flops = FLOPS_PER_SAMPLE, PEAK
    back, _ = _written(tmp_path_factory.mktemp("run"), stats, times, cuts)
    assert sorted(back) == [t.last_step for t in times]
    sized = 0
    for t in times:
        got = dict(back[t.last_step])
        pop_step_figures(got, t)
        if t.epoch_start_ms or t.opens:
            assert got.pop(schema.EPOCH_START_MS) == f32(t.epoch_start_ms)
        if t.values:
            assert got.pop(schema.FETCH_MS) == f32(t.values[FETCH])
        if t.kind:
            assert got.pop(StepKind(t.kind).tag) == f32(t.batch_ms)
        interval = (t.batch_ms + t.input_wait_ms) * t.steps
        if t.samples and interval > 0:
            rate = t.samples * 1e3 / interval
            assert got.pop(schema.SAMPLES_PER_SEC) == f32(rate)
            flops = rate * FLOPS_PER_SAMPLE
            assert got.pop(schema.TFLOPS_PER_SEC) == f32(flops / 1e12)
            assert got.pop(schema.MFU) == f32(flops / PEAK)
        if t.samples and not t.kind:
            # Every tenth sized counted step carries the band.
            sized += 1
            if sized % 10 == 0:
                pop_band(got)
        assert got == {}, (t, got)
