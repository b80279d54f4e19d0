"""The headline carries its uncertainty (issue 18, item 6): the fit/predict
ratio's 95% interval, printed and in the report, checked against scipy's
bootstrap over the points read back with tbparse; a missing ratio says why;
a wide interval names the run that needs more steps; a busy machine is said.
Every backend."""

import json
import math
import os
import re

import keras
import numpy as np
import pytest
from conftest import read_scalars
from scipy import stats as scipy_stats

from keras_timing import FitPredictTimer
from keras_timing import cli
from keras_timing import schema
from programs.readback import only_launch

BACKEND = keras.backend.backend()
_LEFT_OUT = (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS, schema.OVERLAP_MS,
             schema.PROFILED_MS)


def _model():
    keras.utils.set_random_seed(0)
    x = np.random.rand(640, 20).astype("float32")
    y = np.random.rand(640, 1).astype("float32")
    model = keras.Sequential([keras.Input((20,)),
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    return model, x, y


def _report(log_dir, capsys):
    capsys.readouterr()
    assert cli.main(["report", str(log_dir), "--json"]) == 0
    (launch,) = json.loads(capsys.readouterr().out)
    return launch


def _counted_rows(run_dir):
    """(ms, samples) of each counted point after the warm-up, from the raw
    tags (tbparse), as the summary counts them."""
    tags = read_scalars(run_dir)
    warmup = int(tags["timing_summary/warmup_steps"][-1][1])
    left_out = {s for tag in _LEFT_OUT for s, _ in tags.get(tag, ())}
    wait, rate = dict(tags[schema.INPUT_WAIT_MS]), dict(
        tags[schema.SAMPLES_PER_SEC])
    rows = [(b + wait[s], rate[s] * (b + wait[s]) / 1e3)
            for s, b in tags[schema.BATCH_MS]
            if s not in left_out and s > warmup and s in rate]
    return np.array(rows).T


def _scipy_interval(train, predict):
    def statistic(t, p, axis):
        return ((t[0].sum(axis=axis) / t[1].sum(axis=axis))
                / (p[0].sum(axis=axis) / p[1].sum(axis=axis)))

    return scipy_stats.bootstrap(
        (train, predict), statistic, paired=False, vectorized=True, axis=-1,
        n_resamples=20000, method="percentile",
        random_state=1).confidence_interval


def test_the_ratio_is_printed_and_reported_with_its_interval(tmp_path,
                                                             capsys):
    model, x, y = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=1)
    model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2,
              verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines()
             if line.startswith("fit vs predict")]
    found = re.fullmatch(
        r"fit vs predict, per sample, compilation and warm-up left out: a "
        r"training step costs ([\d.]+)x \(95%: ([\d.e+-]+)-([\d.e+-]+)x\) a "
        r"predict step", lines[-1])
    assert found, lines
    launch = _report(tmp_path, capsys)
    ratio, low, high = (launch["fit_predict_ratio" + k]
                        for k in ("", "_low", "_high"))
    assert 0 < low <= ratio <= high
    assert float(found.group(1)) == pytest.approx(ratio, abs=0.006)
    assert float(found.group(2)) == pytest.approx(low, rel=0.06)
    assert float(found.group(3)) == pytest.approx(high, rel=0.06)
    # The report's text says it with the JSON's figures.
    assert cli.main(["report", str(tmp_path)]) == 0
    assert "costs %.2fx (95%%: %s-%sx) a predict step" % (
        ratio, format(low, ".2g"), format(high, ".2g")) in capsys.readouterr(
        ).out
    # The same launch, live and read back: the same points, the same seed.
    live = timer.fit_predict_interval
    assert live == pytest.approx((low, high), rel=0.1)
    # Against scipy's bootstrap over the points as tbparse reads them.
    folder = only_launch(str(tmp_path))
    train, predict = (_counted_rows(os.path.join(folder, run))
                      for run in (schema.TRAIN, schema.PREDICT))
    assert train.shape[1] >= 20 and predict.shape[1] >= 10
    assert (train[0].sum() / train[1].sum()) / (
        predict[0].sum() / predict[1].sum()) == pytest.approx(ratio,
                                                              rel=1e-4)
    want = _scipy_interval(train, predict)
    assert low == pytest.approx(want.low, rel=0.1)
    assert high == pytest.approx(want.high, rel=0.1)


def test_a_missing_ratio_says_why_printed_and_in_the_report(tmp_path,
                                                            capsys):
    model, x, y = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=1)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x[:3], verbose=0, callbacks=[FitPredictTimer(
        log_dir=str(tmp_path))])
    # 40 samples in batches of 32: JAX compiles the partial second batch
    # again (TensorFlow relaxes the shape, torch runs it eagerly: counted).
    if BACKEND == "jax":
        model.predict(x[:40], batch_size=32, verbose=0, callbacks=[timer])
    else:
        model.predict(x[:3], verbose=0, callbacks=[timer])
    why = ("predict had no step that did not compile: a call of 1 step, "
           + ("a call of 2 steps whose second recompiled" if BACKEND == "jax"
              else "a call of 1 step"))
    printed = capsys.readouterr().out
    assert "fit vs predict: no ratio: " + why in printed.splitlines()
    assert math.isnan(timer.fit_predict_ratio)
    assert all(math.isnan(v) for v in timer.fit_predict_interval)
    launch = _report(tmp_path, capsys)
    assert launch["fit_predict_ratio"] is None
    assert launch["fit_predict_ratio_low"] is None
    assert launch["fit_predict_ratio_note"] == why


class HostWork(keras.callbacks.Callback):
    """Real host work before one predict step: that step costs far more
    than the others."""

    def on_predict_batch_begin(self, batch, logs=None):
        if batch == 3:
            a = np.random.default_rng(batch).random((300, 300))
            for _ in range(60):
                a = a @ a
                a /= np.abs(a).max()


def test_a_wide_interval_names_the_run_that_needs_more_steps(tmp_path,
                                                             capsys):
    model, x, y = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=1)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x[:256], batch_size=32, verbose=0,
                  callbacks=[timer, HostWork()])
    printed = capsys.readouterr().out.splitlines()
    note = ("  the interval is wider than +-25%: predict needs more steps "
            "(7 counted, +-")
    assert any(line.startswith(note) for line in printed), printed[-3:]
    launch = _report(tmp_path, capsys)
    assert launch["fit_predict_ratio_high"] > 1.25 * launch[
        "fit_predict_ratio"] or launch["fit_predict_ratio_low"] < 0.75 * \
        launch["fit_predict_ratio"]
    assert launch["fit_predict_ratio_note"].startswith(note.strip())


@pytest.mark.parametrize("load, busy", [(3.0, True), (0.0, False)])
def test_a_busy_machine_is_said(tmp_path, capsys, monkeypatch, load, busy):
    # The system's load average as it would read on a machine with `load`
    # runnable processes per core this process may use.
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg",
                        lambda: (load * cores, load * cores, load * cores))
    model, x, y = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=1)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    printed = capsys.readouterr().out
    said = ("the machine was busy (load above the cores this process may "
            "use) during 1 train call (load 3.0 per core), 1 predict call "
            "(load 3.0 per core)")
    assert (said in printed) == busy
    assert timer.summaries()[schema.TRAIN]["busy_calls"] == int(busy)
    launch = _report(tmp_path, capsys)
    assert launch["runs"][schema.PREDICT]["busy_calls"] == int(busy)
    assert (said in (launch["fit_predict_ratio_note"] or "")) == busy
