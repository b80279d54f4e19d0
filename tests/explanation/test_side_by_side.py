"""`explain --backends`: one process per backend, read back from its JSON and
table; a backend that is missing or fails says so and the others go on."""

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

from keras_timing import cli
from keras_timing.explanation import side_by_side

QUICK = ["--steps", "3", "--fit-steps", "2"]


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """The article's dense model, saved by TensorFlow: a file saved by torch
    fails to fit on TensorFlow (Keras 3.15: "expected Tensor as element 0
    ... but got ResourceVariable" from a torch no_grad wrapper)."""
    path = str(tmp_path_factory.mktemp("side") / "dense.keras")
    code = ("import sys, keras; from keras_timing import demo; "
            "demo.dense_example(keras, samples=64)[0].save(sys.argv[1])")
    subprocess.run([sys.executable, "-c", code, path], check=True,
                   env=dict(os.environ, KERAS_BACKEND="tensorflow"),
                   capture_output=True, timeout=300)
    return path


def run_cli(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    return code, out.getvalue()


def test_the_dense_model_on_all_three_backends(dense):
    code, out = run_cli(["explain", dense, "--backends",
                         "tensorflow,jax,torch", "--json"] + QUICK)
    assert code == 0
    entries = json.loads(out)
    assert [e["backend"] for e in entries] == ["tensorflow", "jax", "torch"]
    train = {}
    for e in entries:
        assert e["error"] is None
        (r,) = e["results"]
        # Each process ran on the backend it was given.
        assert r["backend"] == e["backend"] and r["label"] == "dense.keras"
        assert r["train_step_ms"] > 0 and r["predict_step_ms"] > 0
        train[e["backend"]] = r["train_step_ms"]
    fastest = [e["backend"] for e in entries if e["results"][0]["fastest"]]
    assert fastest == [min(train, key=train.get)]
    lines = side_by_side.table(entries).splitlines()
    rows = {b: [ln for ln in lines if " %s " % b in ln][0]
            for b in train}
    for b, line in rows.items():
        assert ("%.3f" % train[b]) in line
        # FLOPs/s is the counted train FLOPs over the train step.
        r = next(e for e in entries if e["backend"] == b)["results"][0]
        assert r["train_flops"] > 0
        assert ("%.3g GFLOP/s" % (r["train_flops"] / train[b] / 1e6)) \
            in line
        assert line.endswith("<- fastest") == (b == fastest[0])


def test_a_failing_and_a_missing_backend_say_why(dense, monkeypatch):
    real = side_by_side.command

    def command(backend, argv):
        if backend == "jax":
            return [sys.executable, "-c",
                    "import sys; sys.exit('keras-timing explain: jax broke')"]
        return real(backend, argv)

    monkeypatch.setattr(side_by_side, "command", command)
    monkeypatch.setitem(side_by_side.FRAMEWORK, "torch", "no_such_framework")
    code, out = run_cli(["explain", dense, "--backends",
                         "jax,torch,tensorflow"] + QUICK)
    assert code == 0
    lines = out.splitlines()
    (jax_row,) = [ln for ln in lines if " jax " in ln]
    (torch_row,) = [ln for ln in lines if " torch " in ln]
    (tf_row,) = [ln for ln in lines if " tensorflow " in ln]
    assert "failed: exit code 1: keras-timing explain: jax broke" in jax_row
    assert 'failed: not installed: pip install "keras_timing[torch]"' \
        in torch_row
    assert tf_row.startswith("  dense.keras") and "<- fastest" in tf_row


@pytest.mark.parametrize("argv, message", [
    (["--backends", "tensorflow,tf"], "--backends must be comma-separated "
                                      "names from tensorflow, jax, torch; "
                                      "got 'tf'"),
    (["--backends", ","], "got ','"),
    (["--backends", "jax,jax"], "names a backend twice"),
    (["--backends", "jax", "--log-dir", "logs"], "--log-dir cannot be "
                                                 "combined with --backends"),
])
def test_bad_backends_exit_2(dense, capsys, argv, message):
    code, _ = run_cli(["explain", dense] + argv)
    assert code == 2
    assert message in capsys.readouterr().err
