"""`keras-timing explain`, read back from its JSON, stderr and event files."""

import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from tbparse import SummaryReader

from explanation.models import arrays
from explanation.models import mlp
from keras_timing import cli
from keras_timing.explanation.result import LEGEND

QUICK = ["--steps", "3", "--fit-steps", "2"]


def run_cli(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    return code, out.getvalue()


@pytest.fixture
def saved(tmp_path):
    path = str(tmp_path / "model.keras")
    mlp().save(path)
    return path


def test_json_and_log_dir_of_a_saved_model(tmp_path, saved):
    log_dir = tmp_path / "logs"
    code, out = run_cli(["explain", saved, "--json", "--batch-size", "16",
                         "--log-dir", str(log_dir)] + QUICK)
    assert code == 0
    (r,) = json.loads(out)
    assert r["label"] == "model.keras" and r["batch_size"] == 16
    assert [s for k in r["stages_ms"] for s in k.split("+")][0] == "dispatch"
    assert "phases_ms" not in r
    # Only its own run folder: the short fits' runs go to a temporary one.
    assert os.listdir(log_dir) == ["explain"]
    reader = SummaryReader(str(log_dir / "explain"))
    (text,) = reader.text.value
    assert list(reader.text.tag) == ["explain/model.keras"]
    assert r["sentence"] in text and LEGEND[0] in text
    tensors = reader.tensors
    width, height, png = tensors[
        tensors.tag == "explain/model.keras/shares"].value.iloc[0]
    assert png.startswith(b"\x89PNG")


def test_a_batch_size_sweep_writes_one_chart_per_model(tmp_path, saved):
    log_dir = tmp_path / "logs"
    code, out = run_cli(["explain", saved, "--batch-sizes", "8,16",
                         "--log-dir", str(log_dir)] + QUICK)
    assert code == 0 and "batch size sweep:" in out
    assert os.listdir(log_dir) == ["explain"]
    reader = SummaryReader(str(log_dir / "explain"))
    assert sorted(reader.text.step) == [8, 16]
    assert "explain/model.keras/sweep" in set(reader.tensors.tag)


def test_npz_data(tmp_path, saved):
    x, y = arrays(samples=96)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    code, out = run_cli(["explain", saved, "--data",
                         str(tmp_path / "data.npz")] + QUICK)
    assert code == 0 and "A training step costs" in out
    assert "dispatch: calling a compiled program" in out


@pytest.mark.parametrize("argv, message", [
    (["--batch-sizes", "8,x"], "--batch-sizes must be comma-separated"),
    (["--batch-sizes", "0"], "--batch-sizes must be positive"),
    (["--data", "DATA"], "lacks the array(s) y"),
    (["--data", "MISSING"], "no data file"),
])
def test_bad_options_name_the_problem(tmp_path, saved, capsys, argv,
                                      message):
    np.savez(tmp_path / "bad.npz", x=arrays()[0])
    argv = [a.replace("DATA", str(tmp_path / "bad.npz"))
            .replace("MISSING", str(tmp_path / "none.npz")) for a in argv]
    code, _ = run_cli(["explain", saved] + argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_data_without_a_model_is_refused(capsys):
    code, _ = run_cli(["explain", "--data", "x.npz"])
    assert code == 2 and "--data needs a MODEL" in capsys.readouterr().err


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no model file"),
    (lambda p: p.write_text("not a zip"), "is not a saved Keras model"),
    (lambda p: p.mkdir(), "is a folder"),
])
def test_a_bad_model_file_is_told_before_keras_loads(tmp_path, make,
                                                     message):
    path = tmp_path / "nosuchfile.keras"
    make(path)
    # A fresh interpreter: whether Keras was imported is then a fact about
    # this command alone.
    code = ("import sys; from keras_timing import cli; "
            "rc = cli.main(['explain', sys.argv[1]]); "
            "print(rc, 'keras' in sys.modules, 'tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["2", "False", "False"], done.stderr
    assert message in done.stderr
