"""A truncated event file: the report names it once, marks the run partial
in the table and the JSON, and says the ratio rests on a partial run."""

import json
import os
import shutil

from conftest import read_scalars
from keras_timing import cli
from keras_timing import schema


def _cut_copy(timer, tmp_path):
    """A copy of the launch whose train event file lost its second half,
    as a crash mid-write leaves it."""
    launch = tmp_path / "logs" / "cut"
    shutil.copytree(timer.launch_dir, launch)
    train = launch / schema.TRAIN
    (name,) = [n for n in os.listdir(train) if "tfevents" in n]
    data = (train / name).read_bytes()
    # Mid-way, inside a record (a cut on a record's boundary would leave a
    # shorter whole file): TFRecord framing is an 8-byte little-endian
    # length, a 4-byte CRC, the data and a 4-byte CRC.
    at = 0
    while at < len(data) // 2:
        at += 16 + int.from_bytes(data[at:at + 8], "little")
    (train / name).write_bytes(data[:at + 10])
    return launch, str(train / name)


def test_a_cut_file_marks_its_run_and_the_ratio(user_launch, tmp_path,
                                                capsys):
    _, timer = user_launch
    launch, cut = _cut_copy(timer, tmp_path)
    assert cli.main(["report", str(launch), "--json"]) == 2
    out = capsys.readouterr()
    (line,) = out.err.splitlines()
    # The path once, then why.
    assert line.count(cut) == 1 and line.startswith("keras-timing report: ")
    assert "the file has truncated record" in line
    (found,) = json.loads(out.out)
    assert found["launch"] == "cut"
    assert {r: s["partial"] for r, s in found["runs"].items()} == {
        schema.TRAIN: True, schema.VALIDATION: False, schema.PREDICT: False}
    assert found["fit_predict_ratio_partial"] is True
    # What was read is what a reader we did not write reads before the cut.
    read = read_scalars(str(launch / schema.TRAIN))
    assert found["runs"][schema.TRAIN]["steps"] == len(read[schema.BATCH_MS])
    whole = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert (sum(map(len, read.values()))
            < sum(map(len, whole.values())))

    assert cli.main(["report", str(launch)]) == 2
    text = capsys.readouterr().out
    assert "| train (partial) |" in text and "| predict |" in text
    assert "the fit vs predict ratio rests on a partial run" in text


def test_a_whole_launch_is_not_partial(user_launch, capsys):
    _, timer = user_launch
    assert cli.main(["report", timer.launch_dir, "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert not any(s["partial"] for s in found["runs"].values())
    assert found["fit_predict_ratio_partial"] is False
