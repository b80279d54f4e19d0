"""`keras_timing.load(LOGDIR)` (`report.frame`) on event files written by
hand with `RunWriter`: every point back as a row, in the documented order
and types, workers named under their run; the errors. No Keras."""

import sys

import pytest

import keras_timing
from keras_timing.events.writer import RunWriter
from keras_timing.report import frame
from keras_timing.report.runs import ReportError


def _write(folder, rows):
    w = RunWriter(str(folder))
    w.scalar_rows(rows)
    w.close()


@pytest.fixture
def logs(tmp_path):
    # Written out of order: steps descending, launch b before a.
    _write(tmp_path / "b" / "train", [(3, {"timing/batch_ms": 3.0}),
                                      (1, {"timing/batch_ms": 1.5})])
    _write(tmp_path / "a" / "predict", [(2, {"timing/batch_ms": 2.0,
                                             "memory/peak_mb": 7.0})])
    _write(tmp_path / "a" / "train", [(2, {"timing/batch_ms": 4.25}),
                                      (1, {"timing/batch_ms": 5})])
    _write(tmp_path / "a" / "train" / "worker_1",
           [(1, {"timing/batch_ms": 6.0})])
    return tmp_path


def test_every_point_in_order_with_its_launch_run_and_worker(logs):
    got = frame.load(str(logs))
    columns = ["launch", "run", "step", "tag", "value"]
    assert list(got.columns) == columns
    assert got.to_dict("records") == [dict(zip(columns, row)) for row in [
        ("a", "predict", 2, "memory/peak_mb", 7.0),
        ("a", "predict", 2, "timing/batch_ms", 2.0),
        ("a", "train", 1, "timing/batch_ms", 5.0),
        ("a", "train", 2, "timing/batch_ms", 4.25),
        ("a", "train/worker_1", 1, "timing/batch_ms", 6.0),
        ("b", "train", 1, "timing/batch_ms", 1.5),
        ("b", "train", 3, "timing/batch_ms", 3.0)]]
    assert list(got.index) == list(range(7))
    assert (str(got["step"].dtype), str(got["value"].dtype)) == (
        "int64", "float64")
    assert keras_timing.load(str(logs)).equals(got)


def test_one_launch_folder_is_named_itself(logs):
    got = frame.load(str(logs / "b"))
    assert set(got["launch"]) == {"b"} and len(got) == 2


def test_the_same_step_twice_keeps_the_written_order(tmp_path):
    # Three fits of steps 1-2 (the step restarts): stable, each step's
    # points in the order written, not re-sorted by value.
    values = [9.0, 1.0, 5.0, 8.0, 2.0, 4.0]
    _write(tmp_path / "l" / "train", [(1 + i % 2, {"timing/batch_ms": v})
                                      for i, v in enumerate(values)])
    got = frame.load(str(tmp_path))
    assert list(got["step"]) == [1, 1, 1, 2, 2, 2]
    assert list(got["value"]) == values[0::2] + values[1::2]


def test_no_runs_give_an_empty_frame_with_the_columns(tmp_path):
    got = frame.load(str(tmp_path))
    assert got.empty and list(got.columns) == frame.COLUMNS
    assert (str(got["step"].dtype), str(got["value"].dtype)) == (
        "int64", "float64")


def test_a_missing_folder_or_a_file_is_named(tmp_path):
    missing = str(tmp_path / "nope")
    with pytest.raises(ReportError) as caught:
        frame.load(missing)
    assert str(caught.value) == "log_dir: no such folder: " + missing
    path = str(tmp_path / "f")
    open(path, "w").close()
    with pytest.raises(ReportError) as caught:
        frame.load(path)
    assert str(caught.value) == "log_dir: not a folder: " + path


def test_without_pandas_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError) as caught:
        frame.load(str(tmp_path))
    assert str(caught.value) == (
        "keras_timing.load needs pandas, an optional extra: pip install "
        "\"keras_timing[pandas]\" (or pip install pandas)")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
