"""`keras-timing report` against what tbparse reads from the same files."""

import json
import os

import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import FitPredictTimer
from keras_timing import cli
from keras_timing import schema


@pytest.fixture
def logged(tmp_path, dense):
    model, x, y = dense
    timer = FitPredictTimer(log_dir=str(tmp_path / "logs"), launch_name="a",
                            verbose=0)
    model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2,
              verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    return tmp_path / "logs", timer


def test_json_report_matches_the_event_files(logged, capsys):
    log_dir, timer = logged
    assert cli.main(["report", str(log_dir), "--json"]) == 0
    (launch,) = json.loads(capsys.readouterr().out)
    assert launch["launch"] == "a"
    assert list(launch["runs"]) == [schema.TRAIN, schema.VALIDATION,
                                    schema.PREDICT]
    for run, summary in launch["runs"].items():
        scalars = read_scalars(os.path.join(timer.launch_dir, run))
        # First batches and recompiles are left out of the figures; the
        # first epoch or call (warm-up) out of the totals: 3 epochs and 3
        # validation calls, one predict call.
        first = {s for tag in (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS,
                               schema.OVERLAP_MS)
                 for s, _ in scalars.get(tag, [])}
        rest = np.array([v for s, v in scalars[schema.BATCH_MS]
                         if s not in first])
        steps = len(scalars[schema.BATCH_MS])
        assert summary["steps"] == steps
        warmup = 0 if run == schema.PREDICT else steps // 3
        assert summary["warmup_steps"] == warmup
        steady = {s for s, _ in scalars[schema.BATCH_MS]
                  if s not in first and s > warmup}
        for q, key in ((0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms")):
            exact = np.quantile(rest, q, method="lower")
            assert summary[key] == pytest.approx(exact, rel=0.006), (run, key)
        assert summary["first_batch_ms"] == pytest.approx(
            scalars[schema.FIRST_BATCH_MS][-1][1])
        wait = sum(v for s, v in scalars[schema.INPUT_WAIT_MS]
                   if s in steady)
        busy = wait + sum(v for s, v in scalars[schema.BATCH_MS]
                          if s in steady)
        assert summary["input_wait_share"] == pytest.approx(wait / busy,
                                                            rel=1e-3)
    assert launch["fit_predict_ratio"] == pytest.approx(
        timer.fit_predict_ratio, rel=1e-3)


def test_text_report_shows_each_run_and_the_ratio(logged, capsys):
    log_dir, _ = logged
    assert cli.main(["report", str(log_dir)]) == 0
    out = capsys.readouterr().out
    assert "| train | 24 |" in out and "| predict | 10 |" in out
    assert "costs" in out and "a predict step" in out


def test_missing_empty_or_not_a_folder_exits_2_with_a_message(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "no keras_timing runs" in capsys.readouterr().err
    (tmp_path / "file.txt").write_text("x")
    assert cli.main(["report", str(tmp_path / "file.txt")]) == 2
    assert "not a folder: " in capsys.readouterr().err


def test_damaged_files_are_named_and_valid_data_still_reported(
        logged, capsys):
    log_dir, timer = logged
    predict_dir = os.path.join(timer.launch_dir, schema.PREDICT)
    (good,) = [f for f in os.listdir(predict_dir) if "tfevents" in f]
    data = open(os.path.join(predict_dir, good), "rb").read()
    # A copy cut mid-record, as a crash mid-write leaves it, in another run.
    cut = log_dir / "b" / schema.TRAIN
    cut.mkdir(parents=True)
    (cut / "events.out.tfevents.1.host.1.0.keras_timing").write_bytes(
        data[:len(data) // 2])
    # Garbage where an event file should be.
    junk = log_dir / "c" / schema.TRAIN
    junk.mkdir(parents=True)
    (junk / "events.out.tfevents.2.host.2.0").write_bytes(b"\x07" * 64)
    assert cli.main(["report", str(log_dir), "--json"]) == 2
    out = capsys.readouterr()
    launches = {l["launch"]: l for l in json.loads(out.out)}
    assert launches["a"]["runs"][schema.TRAIN]["steps"] == 24
    assert "truncated record" in out.err and str(cut) in out.err
    assert str(junk) in out.err and "crc" in out.err


def test_a_folder_of_another_tool_exits_2(tmp_path, capsys):
    from keras_timing.events.writer import RunWriter

    other = RunWriter(str(tmp_path / "train"))
    other.scalars(1, {"epoch_loss": 0.5})
    other.close()
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "no keras_timing runs" in capsys.readouterr().err
