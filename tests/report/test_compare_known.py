"""The report's and compare's figures on points written by hand with
`RunWriter` and read back through the event files: known inputs, answers
worked out in the comments. No Keras (the mutation runs use this file).
"""

import math

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.analysis.steps import StepKind
from keras_timing.events.writer import RunWriter
from keras_timing.report import compare
from keras_timing.report import runs


def _write(folder, rows):
    """`rows`: `(step, batch_ms, wait_ms, samples, kind, steps, opens)`;
    written as the timer writes them (samples as a rate, a kind's tag)."""
    w = RunWriter(str(folder))
    out = []
    for step, batch, wait, samples, kind, steps, opens in rows:
        values = {schema.BATCH_MS: batch, schema.INPUT_WAIT_MS: wait}
        if steps != 1:
            values[schema.STEPS] = steps
        if samples:
            values[schema.SAMPLES_PER_SEC] = samples * 1e3 / (
                (batch + wait) * steps)
        if kind is not None:
            values[kind.tag] = batch
        if opens:
            values[schema.EPOCH_START_MS] = 0.0
        out.append((step, values))
    w.scalar_rows(out)
    w.close()


def _steps(batch, wait=1.0, samples=32, start=2, n=6):
    return [(s, batch, wait, samples, None, 1, False)
            for s in range(start, start + n)]


# Every left-out kind with a time that would move any figure it entered.
LEFT_OUT = [(1, 300.0, 0.0, 32, StepKind.FIRST, 1, True),
            (8, 500.0, 0.0, 32, StepKind.OVERLAP, 1, False),
            (9, 700.0, 0.0, 32, StepKind.PROFILED, 1, False),
            (10, 900.0, 0.0, 16, StepKind.RECOMPILE, 1, False)]


def test_every_kind_is_read_back_and_left_out_of_the_rebuilt_figures(
        tmp_path):
    _write(tmp_path / "l" / schema.PREDICT, LEFT_OUT + _steps(3.0))
    times = runs.read_run(str(tmp_path / "l" / schema.PREDICT))
    assert [(t.last_step, t.kind) for t in times if t.kind] == [
        (1, "first"), (8, "overlap"), (9, "profiled"), (10, "recompile")]
    ((launch),) = report.report(str(tmp_path))
    s = launch["runs"][schema.PREDICT]
    # Counted: steps 2-7, 3 + 1 = 4 ms and 32 samples each.
    assert s["ms_per_sample"] == pytest.approx(4.0 / 32, rel=1e-6)
    assert s["ms_per_step"] == pytest.approx(4.0, rel=1e-6)
    assert s["p50_ms"] == pytest.approx(3.0, rel=0.006)
    assert (s["steps"], s["recompiles"], s["recompile_ms"]) == (10, 1, 900.0)


def test_compare_known_totals_and_a_constant_ratio(tmp_path):
    # A: 3 + 1 ms per 32 samples; B: 1 + 1 ms. Both with every left-out
    # kind beside. B / A = (2 / 32) / (4 / 32) = 0.5 on every resample.
    _write(tmp_path / "a" / schema.TRAIN, LEFT_OUT + _steps(3.0))
    _write(tmp_path / "b" / schema.TRAIN, LEFT_OUT + _steps(1.0))
    (row,), left_out = compare.compare(str(tmp_path / "a"),
                                       str(tmp_path / "b"))
    assert left_out == []
    assert row == pytest.approx({
        "run": schema.TRAIN, "a_ms_per_sample": 0.125,
        "b_ms_per_sample": 0.0625, "ratio": 0.5, "ratio_low": 0.5,
        "ratio_high": 0.5, "verdict": compare.FASTER, "unit": "sample"},
        rel=1e-6)


def test_compare_counts_samples_only_where_they_are_known(tmp_path):
    # A's counted steps: 6 of 32 samples (4 ms each), then 2 of unknown
    # size at 40 ms: per sample they are left out, 4 / 32 = 0.125. B: 2 ms
    # per 32 samples, 0.0625. A step of samples -1 is unknown too.
    unknown = [(8, 39.0, 1.0, None, None, 1, False),
               (9, 40.0, 0.0, None, None, 1, False)]
    _write(tmp_path / "a" / schema.TRAIN, _steps(3.0) + unknown)
    _write(tmp_path / "b" / schema.TRAIN, _steps(1.0))
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (row["unit"], row["a_ms_per_sample"], row["ratio"]) == (
        "sample", pytest.approx(0.125), pytest.approx(0.5))


def test_compare_per_step_where_a_side_knows_no_samples(tmp_path):
    # Steps of 2 points of 2 steps each (steps_per_execution=2): A 4 ms a
    # step, B unknown size at 2.5 + 0.5 ms a step: per step 3 / 4 = 0.75.
    a = [(s, 3.0, 1.0, 64, None, 2, False) for s in (3, 5, 7, 9)]
    b = [(s, 2.5, 0.5, None, None, 2, False) for s in (3, 5, 7, 9)]
    _write(tmp_path / "a" / schema.PREDICT, a)
    _write(tmp_path / "b" / schema.PREDICT, b)
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert row["unit"] == "step"
    assert (row["a_ms_per_sample"], row["b_ms_per_sample"],
            row["ratio"]) == pytest.approx((4.0, 3.0, 0.75))


def test_compare_leaves_warm_up_out_as_the_summary_does(tmp_path):
    # Two epochs of 4 counted steps each after a first step; epoch 1 at
    # 9 + 1 ms, epoch 2 at 3 + 1 ms: epoch 2 stands, A = 4 / 32. B: one
    # epoch at 1 + 1 ms. A second epoch of 3 counted steps would not
    # stand: then A = (4 * 10 + 3 * 4) / (7 * 32).
    first = [(1, 300.0, 0.0, 32, StepKind.FIRST, 1, True)]
    epoch1 = _steps(9.0, start=2, n=4)
    epoch2 = [(6, 3.0, 1.0, 32, None, 1, True)] + _steps(3.0, start=7, n=3)
    _write(tmp_path / "a" / schema.TRAIN, first + epoch1 + epoch2)
    _write(tmp_path / "short" / schema.TRAIN, first + epoch1 + epoch2[:3])
    _write(tmp_path / "b" / schema.TRAIN, first + _steps(1.0, n=4))
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (row["a_ms_per_sample"], row["ratio"]) == pytest.approx(
        (4.0 / 32, (2.0 / 32) / (4.0 / 32)))
    (row,), _ = compare.compare(str(tmp_path / "short"), str(tmp_path / "b"))
    assert row["a_ms_per_sample"] == pytest.approx(52.0 / (7 * 32))


def test_compare_interval_and_verdict_of_known_spreads(tmp_path):
    # Both sides 1, 3, 1, 3, ... ms (no wait): the ratio of totals is 1;
    # each side's points are resampled on their own, so the interval
    # spreads around 1 and holds it.
    spread = [(s, 1.0 + 2 * (s % 2), 0.0, 32, None, 1, False)
              for s in range(2, 42)]
    _write(tmp_path / "a" / schema.TRAIN, spread)
    _write(tmp_path / "b" / schema.TRAIN, spread)
    _write(tmp_path / "c" / schema.TRAIN,
           [(s, 10 * ms, 0.0, n, k, st, o)
            for s, ms, _, n, k, st, o in spread])
    (same,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert same["ratio"] == 1.0 and same["verdict"] == compare.SAME
    assert same["ratio_low"] < 1 < same["ratio_high"]
    # Ten times the time: the whole interval above 1, and the ratio 10.
    (slow,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "c"))
    assert slow["ratio"] == pytest.approx(10.0)
    assert slow["verdict"] == compare.SLOWER and slow["ratio_low"] > 1
    (fast,), _ = compare.compare(str(tmp_path / "c"), str(tmp_path / "a"))
    assert fast["verdict"] == compare.FASTER and fast["ratio_high"] < 1


def test_one_counted_point_a_side_is_too_few(tmp_path):
    _write(tmp_path / "a" / schema.TRAIN, _steps(3.0, n=1))
    _write(tmp_path / "a" / schema.PREDICT, _steps(3.0, n=2))
    _write(tmp_path / "b" / schema.TRAIN, _steps(1.0, n=2))
    _write(tmp_path / "b" / schema.PREDICT, _steps(1.0, n=2))
    rows, left_out = compare.compare(str(tmp_path / "a"),
                                     str(tmp_path / "b"))
    assert [r["run"] for r in rows] == [schema.PREDICT]
    assert left_out == [schema.TRAIN]
    assert not math.isnan(rows[0]["ratio"])


def test_a_ratio_of_exactly_one_is_no_clear_difference(tmp_path):
    # Every point 2 + 1 ms per 32 samples on both sides: every resample's
    # ratio is 1, so the interval is [1, 1]: neither below nor above 1.
    for side in ("a", "b"):
        _write(tmp_path / side / schema.TRAIN, _steps(2.0))
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (row["ratio"], row["ratio_low"], row["ratio_high"],
            row["verdict"]) == (1.0, 1.0, 1.0, compare.SAME)
