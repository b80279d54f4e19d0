"""`keras-timing compare A B`: direction, no difference, errors; every figure
read back from the event files the timer (or RunWriter) wrote."""

import argparse
import json
import math

import pytest

from conftest import read_scalars
from keras_timing import schema
from keras_timing.events.writer import RunWriter
from keras_timing.report import compare
from keras_timing.report.runs import read_run

KEYS = {"run", "a_ms_per_sample", "b_ms_per_sample", "ratio", "ratio_low",
        "ratio_high", "verdict"}


def _write(folder, points):
    """Writes `StepTime`s as the timer does: per-step times, samples as a
    rate, first batches and recompiles tagged."""
    w = RunWriter(str(folder))
    rows = []
    for t in points:
        values = {schema.BATCH_MS: t.batch_ms,
                  schema.INPUT_WAIT_MS: t.input_wait_ms}
        if t.steps != 1:
            values[schema.STEPS] = t.steps
        if t.samples:
            values[schema.SAMPLES_PER_SEC] = t.samples * 1e3 / t.interval_ms
        if t.kind == "first":
            values[schema.FIRST_BATCH_MS] = t.batch_ms
        elif t.kind == "recompile":
            values[schema.RECOMPILE_MS] = t.batch_ms
        rows.append((t.last_step, values))
    w.scalar_rows(rows)
    w.close()


def _points(batch_ms, samples=32, first=None):
    """Steady points of the given per-step times; a first batch before."""
    from keras_timing.analysis.steps import StepTime

    out = [] if first is None else [
        StepTime(1, 1, first, 0.0, 0.0, "first", samples)]
    for i, ms in enumerate(batch_ms, start=len(out) + 1):
        out.append(StepTime(i, i, ms, 0.1, 0.0, None, samples))
    return out


def _independent_ms_per_sample(run_dir, warmup):
    """Total (batch + wait) over total samples of the counted steps after
    the first `warmup` steps, from the raw tags read with tbparse, not with
    the package's reader."""
    tags = read_scalars(str(run_dir))
    assert tags["timing_summary/warmup_steps"][-1][1] == warmup
    left_out = {s for tag in (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS,
                              schema.OVERLAP_MS)
                for s, _ in tags.get(tag, ())}
    wait = dict(tags[schema.INPUT_WAIT_MS])
    rate = dict(tags[schema.SAMPLES_PER_SEC])
    ms = samples = 0.0
    for step, batch in tags[schema.BATCH_MS]:
        if step not in left_out and step > warmup:
            ms += batch + wait[step]
            samples += rate[step] * (batch + wait[step]) / 1e3
    return ms / samples, tags["timing_summary/ms_per_sample"][-1][1]


def _rule(row):
    """The verdict compare promises for a row's interval."""
    return ("faster" if row["ratio_high"] < 1 else
            "slower" if row["ratio_low"] > 1 else "no clear difference")


def test_batch_16_against_256_reads_each_side_back(batch_launches, capsys):
    # Real fits of two batch sizes: which is faster per sample is the
    # machine's to say (a busy one stretches either), so this asserts what
    # compare promises about the figures it read, not a direction; the
    # direction is asserted on points of known times below.
    _, folders = batch_launches
    small, big = folders[16], folders[256]
    assert compare.main([small, big, "--json"]) == 0
    rows = {r["run"]: r for r in json.loads(capsys.readouterr().out)}
    assert list(rows) == [schema.TRAIN, schema.PREDICT]
    for run, row in rows.items():
        assert set(row) == KEYS | {"unit"} and row["unit"] == "sample"
        for side, folder in (("a", small), ("b", big)):
            # fit's first epoch is warm-up; predict ran one call, kept.
            batch = 16 if folder == small else 256
            warmup = 2048 // batch if run == schema.TRAIN else 0
            mine, timers = _independent_ms_per_sample(f"{folder}/{run}",
                                                      warmup)
            assert row[side + "_ms_per_sample"] == pytest.approx(mine,
                                                                 rel=1e-4)
            assert mine == pytest.approx(timers, rel=1e-3)
        assert row["ratio"] == pytest.approx(
            row["b_ms_per_sample"] / row["a_ms_per_sample"])
        assert row["ratio_low"] <= row["ratio"] <= row["ratio_high"]
        assert row["verdict"] == _rule(row)
    # The other way round: the reciprocal ratio, its own interval's verdict.
    back, _ = compare.compare(big, small)
    assert [r["run"] for r in back] == [schema.TRAIN, schema.PREDICT]
    for r in back:
        assert r["ratio"] == pytest.approx(1 / rows[r["run"]]["ratio"])
        assert r["ratio_low"] <= r["ratio"] <= r["ratio_high"]
        assert r["verdict"] == _rule(r)


def _tenth(launch, tmp_path):
    """The real run's train points as written, and a copy of them at a
    tenth of the time (batch and input wait) in a second launch folder: B
    takes a tenth of A's time per sample by construction."""
    points = read_run(f"{launch}/{schema.TRAIN}")
    _write(tmp_path / "a" / "same" / schema.TRAIN, points)
    for t in points:
        t.batch_ms, t.input_wait_ms = t.batch_ms / 10, t.input_wait_ms / 10
    _write(tmp_path / "b" / "same" / schema.TRAIN, points)
    return str(tmp_path / "a"), str(tmp_path / "b")


def test_b_at_a_tenth_of_the_time_is_faster_and_a_slower(batch_launches,
                                                         tmp_path, capsys):
    _, folders = batch_launches
    a, b = _tenth(folders[16], tmp_path)
    assert compare.main([a, b, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["ratio"] == pytest.approx(0.1)
    # A tenth stays below 1 on every resample even where one step holds a
    # third of the run (a busy machine's stall): the whole interval, faster.
    assert row["ratio_high"] < 1 and row["verdict"] == "faster"
    (back,), _ = compare.compare(b, a)
    assert back["ratio"] == pytest.approx(10)
    assert back["ratio_low"] > 1 and back["verdict"] == "slower"


def test_text_says_which_way_and_the_same_answer_twice(batch_launches,
                                                       tmp_path, capsys):
    _, folders = batch_launches
    a, b = _tenth(folders[16], tmp_path)
    assert compare.main([a, b]) == 0
    first = capsys.readouterr().out
    assert "faster: B takes less time per sample than A" in first
    row = [line for line in first.splitlines()
           if line.startswith("| train |")]
    assert len(row) == 1 and row[0].endswith("| faster |")
    assert compare.main([a, b]) == 0
    assert capsys.readouterr().out == first
    # The real launches: the text's verdict is the JSON's, run for run.
    assert compare.main([folders[16], folders[256]]) == 0
    text = capsys.readouterr().out
    rows, _ = compare.compare(folders[16], folders[256])
    for r in rows:
        line = [x for x in text.splitlines()
                if x.startswith("| %s |" % r["run"])]
        assert len(line) == 1 and line[0].endswith("| %s |" % r["verdict"])


def _halves(launch, tmp_path):
    """Two log folders, one launch each, from one run's points: the first
    batch to A, each recompile to B (both must be left out), and the
    counted points ranked by ms per sample, slowest first, and dealt
    A B B A A B B A ..., so the halves come from one distribution by
    construction, even where a shared machine slowed a stretch of the run
    or one step holds a large share of its time."""
    points = read_run(f"{launch}/{schema.TRAIN}")
    counted = sorted((t for t in points if t.kind is None),
                     key=lambda t: -t.interval_ms / t.samples)
    a = [t for t in points if t.kind == "first"]
    b = [t for t in points if t.kind == "recompile"]
    for i, t in enumerate(counted):
        (a if i % 4 in (0, 3) else b).append(t)
    for name, half in (("a", a), ("b", b)):
        _write(tmp_path / name / "half" / schema.TRAIN,
               sorted(half, key=lambda t: t.last_step))
    return points, str(tmp_path / "a"), str(tmp_path / "b")


def test_two_halves_of_one_run_show_no_clear_difference(batch_launches,
                                                        tmp_path):
    _, folders = batch_launches
    points, a, b = _halves(folders[16], tmp_path)
    assert sum(t.kind is None for t in points) > 300
    assert any(t.kind == "first" for t in points)
    (row,), _ = compare.compare(a, b)
    assert row["run"] == schema.TRAIN and row["verdict"] == "no clear difference"
    assert row["ratio_low"] < 1 < row["ratio_high"]
    # The interval is not unbounded: B's half at ten times the time is
    # slower (a step can hold a third of a short run's time on a busy
    # machine, which widens the interval of both halves).
    slow = read_run(f"{b}/half/{schema.TRAIN}")
    for t in slow:
        t.batch_ms, t.input_wait_ms = 10 * t.batch_ms, 10 * t.input_wait_ms
    _write(tmp_path / "slow" / "half" / schema.TRAIN, slow)
    (row,), _ = compare.compare(a, str(tmp_path / "slow"))
    assert row["verdict"] == "slower" and row["ratio_low"] > 1


def test_unknown_batch_size_compares_per_step_and_says_so(tmp_path, capsys):
    _write(tmp_path / "a" / schema.TRAIN, _points([2.0, 4.0] * 10, first=90))
    _write(tmp_path / "b" / schema.TRAIN,
           _points([1.0, 2.0] * 10, samples=None, first=90))
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "| train | step | 3.1 | 1.6 |" in out
    assert "ms are per step, not per sample" in out
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert row["unit"] == "step" and row["verdict"] == "faster"
    assert row["ratio"] == pytest.approx(1.6 / 3.1)


def test_runs_without_counted_steps_are_named(tmp_path, capsys):
    for side in ("a", "b"):
        _write(tmp_path / side / schema.TRAIN, _points([2.0] * 5, first=50))
        _write(tmp_path / side / schema.PREDICT, _points([], first=20))
    rows, left_out = compare.compare(str(tmp_path / "a"),
                                     str(tmp_path / "b"))
    assert [r["run"] for r in rows] == [schema.TRAIN]
    assert left_out == [schema.PREDICT]
    assert rows[0]["ratio"] == 1 and rows[0]["verdict"] == "no clear difference"
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "left out, too few counted steps: predict" in capsys.readouterr().out


def _error(argv, capsys):
    code = compare.main([str(a) for a in argv])
    return code, capsys.readouterr().err


def test_errors_exit_2_and_say_why(batch_launches, tmp_path, capsys):
    log_dir, folders = batch_launches
    missing = tmp_path / "missing"
    code, err = _error([missing, folders[16]], capsys)
    assert code == 2 and "A: no such folder: %s" % missing in err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    code, err = _error([folders[16], a_file], capsys)
    assert code == 2 and "B: not a folder: %s" % a_file in err
    code, err = _error([log_dir, folders[16]], capsys)
    assert code == 2 and "2 launches (batch16, batch256)" in err
    code, err = _error([tmp_path, folders[16]], capsys)
    assert code == 2 and "A: no keras_timing runs under" in err

    _write(tmp_path / "fit" / schema.TRAIN, _points([1.0] * 4))
    _write(tmp_path / "fit" / schema.VALIDATION, _points([1.0] * 4))
    _write(tmp_path / "pred" / schema.PREDICT, _points([1.0] * 4))
    code, err = _error([tmp_path / "fit", tmp_path / "pred"], capsys)
    assert code == 2
    assert "no run in both launches: A has train, validation, B has predict" \
        in err
    for side in ("x", "y"):
        _write(tmp_path / side / schema.TRAIN, _points([3.0], first=9))
    code, err = _error([tmp_path / "x", tmp_path / "y"], capsys)
    assert code == 2 and "no counted steps to compare" in err
    assert "in train" in err


def test_add_parser_registers_compare(batch_launches, capsys):
    _, folders = batch_launches
    p = argparse.ArgumentParser(prog="keras-timing")
    compare.add_parser(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(["compare", folders[256], folders[256], "--json"])
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    # A launch against itself: the same totals, and an interval around 1.
    assert [(r["ratio"], r["verdict"]) for r in rows] == [
        (1.0, "no clear difference")] * 2
    assert all(r["ratio_low"] < 1 < r["ratio_high"] for r in rows)
    assert not any(math.isnan(r["a_ms_per_sample"]) for r in rows)
