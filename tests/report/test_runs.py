"""Reading a log folder: one walk, one read per event file, clear errors."""

import os
import subprocess
import sys

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.events import reader
from keras_timing.events.writer import RunWriter
from keras_timing.report import runs


def _run(folder, steps, first_ms=400.0):
    w = RunWriter(str(folder))
    w.scalars(1, {schema.BATCH_MS: first_ms, schema.INPUT_WAIT_MS: 1.0,
                  schema.FIRST_BATCH_MS: first_ms,
                  schema.SAMPLES_PER_SEC: 32e3 / (first_ms + 1.0)})
    w.scalar_rows([(s, {schema.BATCH_MS: 2.0, schema.INPUT_WAIT_MS: 0.5,
                        schema.SAMPLES_PER_SEC: 32e3 / 2.5})
                   for s in range(2, steps + 1)])
    w.close()
    return w.file_path


@pytest.fixture
def log_dir(tmp_path):
    _run(tmp_path / "a" / schema.TRAIN, 20)
    _run(tmp_path / "a" / schema.TRAIN / "worker_1", 20)
    _run(tmp_path / "a" / schema.PREDICT, 10, first_ms=100.0)
    cut = _run(tmp_path / "b" / schema.TRAIN, 5)
    data = open(cut, "rb").read()
    open(cut, "wb").write(data[:-7])
    return tmp_path


def test_report_and_damage_check_share_one_walk_and_one_read(
        log_dir, monkeypatch):
    walks, reads = [], []
    real_walk, real_read = os.walk, reader.read_file
    monkeypatch.setattr(runs.os, "walk",
                        lambda *a, **k: walks.append(a) or real_walk(*a, **k))
    monkeypatch.setattr(reader, "read_file",
                        lambda p: reads.append(p) or real_read(p))
    scanned = report.scan(str(log_dir))
    result = report.report(scanned)
    damaged = report.damaged_files(scanned)
    assert len(walks) == 1
    assert sorted(reads) == sorted(set(reads)) and len(reads) == 4
    assert [launch["launch"] for launch in result] == ["a", "b"]
    assert [p for p, _ in damaged] == [
        os.path.join(str(log_dir), "b", schema.TRAIN, n)
        for n in os.listdir(log_dir / "b" / schema.TRAIN)]


def test_points_rebuild_steps_samples_and_figures(log_dir):
    (a, b) = report.report(str(log_dir))
    train = a["runs"][schema.TRAIN]
    assert train["steps"] == 20
    assert train["samples_per_sec"] == pytest.approx(32e3 / 2.5, rel=1e-6)
    assert train["ms_per_sample"] == pytest.approx(2.5 / 32, rel=0.006)
    assert train["input_wait_share"] == pytest.approx(0.2, rel=1e-6)
    assert train["first_batch_ms"] == 400.0
    assert a["workers"][schema.TRAIN]["steps_compared"] == 19
    # The cut file's whole records before the damage are reported.
    assert 1 <= b["runs"][schema.TRAIN]["steps"] < 5


def test_a_file_is_not_a_folder(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("x")
    with pytest.raises(report.ReportError, match="not a folder: "):
        report.report(str(path))
    with pytest.raises(report.ReportError, match="no such folder: "):
        report.report(str(tmp_path / "nope"))
    assert report.damaged_files(str(path)) == []


def test_report_imports_no_tensorflow_and_prints_none_of_its_lines(log_dir):
    code = ("import sys; from keras_timing import cli; "
            "cli.main(['report', sys.argv[1]]); "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(log_dir)],
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "False"
    for noise in ("oneDNN", "absl", "cpu_feature_guard", "TensorFlow"):
        assert noise not in out.stderr


def test_points_are_read_back_with_their_steps_kinds_and_calls(tmp_path):
    """Every tag the timer writes comes back on its StepTime, read with the
    project's reader; values written out here by hand."""
    folder = tmp_path / "l" / schema.TRAIN
    w = RunWriter(str(folder))
    w.scalars(1, {schema.BATCH_MS: 300.0, schema.FIRST_BATCH_MS: 300.0,
                  schema.EPOCH_START_MS: 7.0,
                  schema.SAMPLES_PER_SEC: 32e3 / 300.0})
    # A decimated point: 4 steps (5-8) of 2 ms + 0.5 ms wait, 128 samples.
    w.scalars(8, {schema.BATCH_MS: 2.0, schema.INPUT_WAIT_MS: 0.5,
                  schema.STEPS: 4, schema.SAMPLES_PER_SEC: 128e3 / 10.0})
    w.scalars(9, {schema.BATCH_MS: 90.0, schema.RECOMPILE_MS: 90.0})
    w.scalars(9, {schema.CALL_MS: 500.0, schema.OUTSIDE_STEPS_MS: 20.0})
    for earlier in (7.0, 8.0):
        w.scalars(9, {schema.SUMMARY_SCALARS + "steps": earlier,
                      schema.SUMMARY_SCALARS + "p50_ms": earlier / 8})
    w.scalars(9, {schema.SUMMARY_SCALARS + "steps": 9.0,
                  schema.SUMMARY_SCALARS + "p50_ms": 2.0,
                  schema.SUMMARY_SCALARS + "not_a_field": 5.0})
    w.close()
    times, summary = runs.load_run(str(folder))
    first, block, recompiled = times
    assert (first.kind, first.epoch_start_ms, first.samples,
            first.input_wait_ms) == ("first", 7.0, 32, 0.0)
    assert block.epoch_start_ms == 0.0
    assert (block.first_step, block.last_step, block.input_wait_ms,
            block.samples, block.kind) == (5, 8, 0.5, 128, None)
    assert (recompiled.kind, recompiled.samples) == ("recompile", None)
    assert [t.opens for t in times] == [True, False, False]
    assert first.end_time > 0
    # The last summary written wins; steps is an int; unknown tags ignored.
    assert summary == {"steps": 9, "p50_ms": 2.0}
    assert isinstance(summary["steps"], int)
    assert runs._load(str(folder))[2] == [(500.0, 20.0)]


def test_plugin_folders_are_skipped_and_worker_folders_need_a_run(tmp_path):
    _run(tmp_path / "l" / schema.TRAIN, 3)
    _run(tmp_path / "l" / schema.TRAIN / "plugins" / "profile", 3)
    _run(tmp_path / "l" / "other" / "worker_1", 3)     # not under a run
    _run(tmp_path / "l" / schema.TRAIN / "worker_x", 3)  # not a number
    found = runs.run_folders(str(tmp_path))
    assert [(launch, run, worker) for launch, run, worker, _ in found] == [
        ("l", schema.TRAIN, None)]


def test_every_damaged_file_is_named(tmp_path):
    for launch in ("a", "b"):
        cut = _run(tmp_path / launch / schema.TRAIN, 5)
        data = open(cut, "rb").read()
        open(cut, "wb").write(data[:-7])
    scanned = report.scan(str(tmp_path))
    assert scanned.log_dir == str(tmp_path)
    assert len(report.damaged_files(scanned)) == 2
    assert len(report.damaged_files(str(tmp_path))) == 2
    with pytest.raises(report.ReportError, match="^no such folder: /nope$"):
        report.scan("/nope")


def test_a_first_batch_without_epoch_start_still_opens_a_pass(tmp_path):
    """Files of an earlier version wrote `epoch_start_ms` only where it was
    not 0: a call's first step still begins a pass."""
    folder = tmp_path / "l" / schema.PREDICT
    w = RunWriter(str(folder))
    w.scalars(1, {schema.BATCH_MS: 30.0, schema.FIRST_BATCH_MS: 30.0})
    w.scalars(2, {schema.BATCH_MS: 1.0})
    w.scalars(3, {schema.BATCH_MS: 1.0, schema.EPOCH_START_MS: 0.5})
    w.close()
    assert [t.opens for t in runs.read_run(str(folder))] == [
        True, False, True]
