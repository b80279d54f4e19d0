"""`keras_timing.load(LOGDIR)`: every run's points as a pandas DataFrame,
row for row what tbparse reads from the same event files."""

import sys

import pytest

import keras_timing
from keras_timing import schema
from keras_timing.report.runs import ReportError


def test_load_gives_every_point_tbparse_reads(user_launch):
    from tbparse import SummaryReader

    log_dir, timer = user_launch
    frame = keras_timing.load(str(log_dir))
    assert list(frame.columns) == ["launch", "run", "step", "tag", "value"]
    ours = sorted(zip(frame.launch + "/" + frame.run, frame.step, frame.tag,
                      frame.value))
    theirs = SummaryReader(str(log_dir), extra_columns={"dir_name"}).scalars
    theirs = sorted(zip(theirs.dir_name, theirs.step.astype(int), theirs.tag,
                        theirs.value.astype(float)))
    # tbparse also reads the folders of other tools (there are none here).
    assert ours == theirs
    assert set(frame.run) == {schema.TRAIN, schema.VALIDATION,
                              schema.PREDICT}
    steps = frame[(frame.run == schema.TRAIN)
                  & (frame.tag == schema.BATCH_MS)].step
    assert list(steps) == list(range(1, len(steps) + 1))
    assert str(frame.step.dtype) == "int64"


def test_load_of_one_launch_folder_names_the_launch(user_launch):
    _, timer = user_launch
    frame = keras_timing.load(timer.launch_dir)
    assert set(frame.launch) == {"users"}


def test_load_says_what_is_wrong(tmp_path, monkeypatch):
    with pytest.raises(ReportError, match="log_dir: no such folder: "):
        keras_timing.load(str(tmp_path / "nope"))
    (tmp_path / "f").write_text("x")
    with pytest.raises(ReportError, match="log_dir: not a folder: "):
        keras_timing.load(str(tmp_path / "f"))
    # Without pandas: the message names the extra that installs it.
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'keras_timing\[pandas\]'):
        keras_timing.load(str(tmp_path))
