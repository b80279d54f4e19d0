"""Long runs, small: decimation keeps exact counts and statistics, and the
timer's sums agree with an independent clock."""

import os
import time

import keras
import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from keras_timing.timer import stats as run_stats
from keras_timing import report
from keras_timing.timer.clock import StepTime


def _t(step, ms, first=False):
    return StepTime(step, step, ms, 0.1, float(step), first, 32)


def test_decimator_passes_then_merges_with_exact_sums():
    d = run_stats.Decimator(full_steps=5, block_steps=4)
    out = []
    for s in range(1, 15):
        out += d.push(_t(s, float(s)))
    out += d.flush()
    assert [(p.first_step, p.last_step) for p in out] == [
        (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 9), (10, 13), (14, 14)]
    assert sum(p.steps for p in out) == 14
    assert sum(p.batch_ms * p.steps for p in out) == pytest.approx(
        sum(range(1, 15)))
    assert out[5].samples == 4 * 32


def test_a_first_batch_keeps_its_own_point():
    d = run_stats.Decimator(full_steps=0, block_steps=10)
    out = d.push(_t(1, 1.0)) + d.push(_t(2, 1.0)) + d.push(_t(3, 9.0, True))
    assert [(p.first_step, p.last_step, p.is_first) for p in out] == [
        (1, 2, False), (3, 3, True)]


def _drive(timer, model, steps, per_epoch):
    """Calls the hooks as Keras's fit would, without computing anything."""
    timer.set_model(model)
    timer.on_train_begin()
    for epoch in range(steps // per_epoch):
        timer.on_epoch_begin(epoch)
        for batch in range(per_epoch):
            timer.on_train_batch_begin(batch)
            timer.on_train_batch_end(batch, {"loss": 0.5})
        timer.on_epoch_end(epoch, {"loss": 0.5})
    timer.on_train_end({"loss": 0.5})


def test_long_run_is_decimated_with_exact_counts_and_summary(
        tmp_path, monkeypatch):
    monkeypatch.setattr(run_stats, "FULL_STEPS", 300)
    monkeypatch.setattr(run_stats, "BLOCK_STEPS", 50)
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0, batch_size=32)
    _drive(timer, model, steps=2000, per_epoch=100)
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    steps = [s for s, _ in scalars[schema.BATCH_MS]]
    # Steps 1-300 one point each, then one per 50 steps up to step 2000.
    assert steps == list(range(1, 301)) + list(range(350, 2001, 50))
    counts = dict(scalars.get(schema.STEPS, []))
    assert sum(counts.get(s, 1) for s in steps) == 2000
    summary = dict(scalars[schema.SUMMARY_SCALARS + "steps"])
    assert summary == {2000: 2000}
    (launch,) = report.report(str(tmp_path))
    assert launch["runs"][schema.TRAIN]["steps"] == 2000
    assert launch["runs"][schema.TRAIN]["p50_ms"] == pytest.approx(
        timer.summaries()[schema.TRAIN]["p50_ms"])


def test_memory_of_the_timer_stays_bounded(tmp_path):
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0, batch_size=32)
    _drive(timer, model, steps=20000, per_epoch=1000)
    run = timer._runs[schema.TRAIN]
    assert run.clock.pending() == 0
    assert len(run.stats.batch_ms) < 2500
    assert len(run.stats._band) <= run_stats.BAND_WINDOW


def test_timer_sums_match_an_independent_clock(tmp_path):
    class Reference(keras.callbacks.Callback):
        """A bare clock: epoch begin to the last batch end of the epoch."""

        async_safe = True

        def __init__(self):
            super().__init__()
            self.spans = []

        def on_epoch_begin(self, epoch, logs=None):
            self._begin = self._last = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self._last = max(self._last, time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            self.spans.append(self._last - self._begin)

    model, x, y = demo.dense_example(keras, samples=32 * 200)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    ref = Reference()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              callbacks=[timer, ref])
    times = report.read_run(os.path.join(timer.launch_dir, schema.TRAIN))
    timed = sum((t.batch_ms + t.input_wait_ms) * t.steps for t in times)
    inside = sum(ref.spans) * 1e3
    assert timed == pytest.approx(inside, rel=0.02, abs=1.0)
