"""report/runs.py's edges, on event files written by hand: a launch folder
given as the log folder, run-like folders inside `plugins`, large sample
counts read back from rates, and the exact damage and error messages."""

import os

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.report import runs
from report.test_compare_known import _steps
from report.test_compare_known import _write


def test_a_launch_folder_given_as_the_log_folder_is_named_itself(tmp_path):
    _write(tmp_path / "mylaunch" / schema.TRAIN, _steps(3.0))
    (launch,) = report.report(str(tmp_path / "mylaunch"))
    assert launch["launch"] == "mylaunch"
    (found,) = runs.run_folders(str(tmp_path / "mylaunch"))
    assert found[:3] == ("mylaunch", schema.TRAIN, None)


def test_run_named_folders_inside_plugins_are_not_runs(tmp_path):
    _write(tmp_path / "l" / schema.TRAIN, _steps(3.0))
    # A profiler plugin's own folder that happens to be called `predict`.
    _write(tmp_path / "l" / schema.TRAIN / "plugins" / schema.PREDICT,
           _steps(3.0))
    _write(tmp_path / "l" / "plugins" / schema.PREDICT, _steps(3.0))
    assert [f[:3] for f in runs.run_folders(str(tmp_path))] == [
        ("l", schema.TRAIN, None)]


def test_a_large_batch_is_read_back_to_the_sample(tmp_path):
    # 4096 samples in 2 steps of 7 + 1 ms: written as a rate, read back as
    # the count (a rounding of the rate would lose samples).
    _write(tmp_path / "l" / schema.PREDICT,
           [(2, 7.0, 1.0, 4096, None, 2, False),
            (3, 7.0, 1.0, 999_999, None, 1, False)])
    a, b = runs.read_run(str(tmp_path / "l" / schema.PREDICT))
    assert (a.first_step, a.last_step, a.samples) == (1, 2, 4096)
    assert b.samples == 999_999


def test_the_damage_and_folder_errors_say_exactly_what(tmp_path):
    _write(tmp_path / "l" / schema.TRAIN, _steps(3.0))
    (path,) = [os.path.join(tmp_path, "l", schema.TRAIN, n)
               for n in os.listdir(tmp_path / "l" / schema.TRAIN)]
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-5])
    assert report.damaged_files(str(tmp_path)) == [(
        path, "damaged after 6 whole records: the file has truncated record "
        "in data")]
    not_a_folder = tmp_path / "f.txt"
    not_a_folder.write_text("x")
    with pytest.raises(report.ReportError) as e:
        runs.scan(str(not_a_folder))
    assert str(e.value) == "not a folder: %s" % not_a_folder
