"""Step figures through RunStats: a measured figure's value per step, its
sum over passes that do not stand alone, its share in the summary line,
throughput written back once FLOPs are known, and profiled steps in the
summary. Expected values are worked out by hand in the comments."""

import pytest

from keras_timing import schema
from keras_timing.analysis import figures
from keras_timing.analysis import summary
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime


def _step(first, batch, fetch=None, opens=False, kind=None, samples=32):
    return StepTime(first, first, batch, 0.0, float(first), kind, samples,
                    opens=opens,
                    values=None if fetch is None else {"fetch_ms": fetch})


def test_a_step_figure_reads_its_own_value_and_zero_where_not_measured():
    t = StepTime(1, 1, 2.0, 0.5, 0.0, values={"fetch_ms": 1.25})
    assert (figures.BATCH.of(t), figures.INPUT_WAIT.of(t),
            figures.FETCH.of(t)) == (2.0, 0.5, 1.25)
    assert figures.FETCH.of(StepTime(1, 1, 2.0, 0.5, 0.0)) == 0.0
    assert figures.FETCH.of(StepTime(1, 1, 2.0, 0.5, 0.0,
                                     values={"other": 9.0})) == 0.0


def test_a_measured_figure_sums_over_both_passes_where_they_all_count():
    # Pass 1: three counted steps of 4 ms, each read its batch for 1 ms.
    # Pass 2: one counted step of 4 ms, 2 ms reading: it does not stand
    # for the run (1 < 3 counted steps), so both passes count: 3 + 2 = 5 ms
    # of 16 ms.
    stats = RunStats(schema.TRAIN)
    stats.add([_step(1, 50.0, opens=True, kind=StepKind.FIRST)]
              + [_step(s, 4.0, fetch=1.0) for s in (2, 3, 4)]
              + [_step(5, 4.0, fetch=2.0, opens=True)], final=True)
    s = stats.summary()
    assert s["warmup_steps"] == 0
    assert s["fetch_share"] == pytest.approx(5.0 / 16.0)


def test_the_measured_share_and_profiled_steps_in_the_summary_lines():
    s = {"run": "train", "steps": 30, "p50_ms": 2.0, "p90_ms": 3.0,
         "p99_ms": 4.0, "first_batch_ms": 90.0, "input_wait_share": 0.125,
         "fetch_share": 0.25, "samples_per_sec": 1000.0,
         "ms_per_sample": 1.0, "profiled_steps": 3}
    first, wait = summary.lines(s)[:2]
    assert first.endswith("(compilation, left out); 3 profiled steps "
                          "(profiler), left out")
    assert wait == ("  input wait 12.5% of step time; data read in step "
                    "25.0%; 1,000 samples/s; 1 ms per sample (batch + "
                    "input wait)")


def test_throughput_is_written_back_once_the_flops_are_known():
    stats = RunStats(schema.PREDICT)
    # 32 samples in 4 ms: 8,000 samples/s; FLOPs not known yet.
    points = stats.add([_step(1, 4.0), _step(2, 4.0)], final=True)
    assert all(schema.TFLOPS_PER_SEC not in v for _, v in points)
    stats.flops_per_sample = 5e8
    stats.peak_flops = 8e13
    # 8,000 * 5e8 = 4e12 FLOP/s: 4 TFLOP/s, 5% of 80 TFLOP/s.
    assert stats.backfill() == [
        (s, {schema.TFLOPS_PER_SEC: pytest.approx(4.0),
             schema.MFU: pytest.approx(0.05)}) for s in (1, 2)]
    assert stats.backfill() == []     # written once


def test_no_flops_no_throughput_and_the_rates_are_dropped():
    stats = RunStats(schema.PREDICT)
    stats.add([_step(1, 4.0)], final=True)
    assert stats.backfill() == []
    stats.flops_per_sample = 5e8
    assert stats.backfill() == []
