"""A notebook re-run gets its own numbers (issue 18, item 7).

In one process, a cell that builds a model, makes a `FitPredictTimer()` with
the default `log_dir`, fits and predicts, is run twice; the first model stays
alive in the notebook's `history`. The second run is a launch of its own:
its full summary is printed (not `train_sequential_1: ... ms per step`), and
its `fit_predict_ratio` is its own model's, read back from its own event
files. The article's pattern (one timer for fit, another for predict, on
the same model) run twice: two launches, each with one ratio. Every backend.
"""

import json
import os

import keras
import numpy as np
import pytest
from conftest import read_scalars, steps_of

from keras_timing import FitPredictTimer
from keras_timing import cli
from keras_timing import schema

SAMPLES, BATCH = 320, 32


def _cell(x, y, article=False):
    """The notebook cell: a new model, a new timer (default log_dir), fit
    and predict. `article`: a new timer for predict too."""
    model = keras.Sequential([keras.Input((10,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    timer = FitPredictTimer()
    history = model.fit(x, y, epochs=3, batch_size=BATCH, verbose=0,
                        callbacks=[timer])
    if article:
        timer = FitPredictTimer()
    model.predict(x, batch_size=BATCH, verbose=0, callbacks=[timer])
    return timer, history


def _report(log_dir, capsys):
    capsys.readouterr()
    assert cli.main(["report", log_dir, "--json"]) == 0
    return {os.path.basename(launch["launch"]): launch
            for launch in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("article", [False, True])
def test_a_cell_run_twice_gets_its_own_launch_summary_and_ratio(
        tmp_path, monkeypatch, capsys, article):
    monkeypatch.chdir(tmp_path)
    x = np.random.default_rng(0).random((SAMPLES, 10), dtype="float32")
    y = np.random.default_rng(1).random((SAMPLES, 1), dtype="float32")
    first, history = _cell(x, y, article)
    first_out = capsys.readouterr().out
    second, _ = _cell(x, y, article)
    second_out = capsys.readouterr().out
    assert history.model is not None       # the first model is alive

    launches = sorted(os.listdir("logs"))
    assert len(launches) == 2, launches
    assert first.launch_dir != second.launch_dir
    for out in (first_out, second_out):
        # A full summary of each run and one ratio line: no one-liner of
        # another model's run.
        assert out.count("fit vs predict, per sample") == 1, out
        assert "train: %d steps; batch ms p50" % (3 * SAMPLES // BATCH) in out
        assert "predict: %d steps; batch ms p50" % (SAMPLES // BATCH) in out
        assert "_sequential" not in out, out
    for timer in (first, second):
        for run, steps in ((schema.TRAIN, 3 * SAMPLES // BATCH),
                           (schema.PREDICT, SAMPLES // BATCH)):
            points = read_scalars(os.path.join(timer.launch_dir, run))
            assert steps_of(points[schema.BATCH_MS]) == list(
                range(1, steps + 1))
        assert sorted(os.listdir(timer.launch_dir)) == [
            schema.PREDICT, schema.TRAIN]
    # Each timer's ratio is its own launch's, as the report reads it back.
    read = _report("logs", capsys)
    for timer in (first, second):
        launch = read[os.path.basename(timer.launch_dir)]
        assert timer.fit_predict_ratio == pytest.approx(
            launch["fit_predict_ratio"], rel=1e-4)
