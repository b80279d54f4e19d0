"""Long runs, small: decimation keeps exact counts and statistics, and the
timer's sums agree with an independent clock."""

import gc
import os
import time
import tracemalloc

import keras
import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from keras_timing.analysis import stats as run_stats
from keras_timing import report
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime


def _t(step, ms, first=False):
    return StepTime(step, step, ms, 0.1, float(step),
                    StepKind.FIRST if first else None, 32)


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


def test_a_pass_keeps_its_first_point_even_without_an_epoch_start():
    d = run_stats.Decimator(full_steps=0, block_steps=10)
    opening = _t(3, 1.0)
    opening.opens = True   # began right at its epoch's begin: no gap
    out = d.push(_t(1, 1.0)) + d.push(_t(2, 1.0)) + d.push(opening)
    assert [(p.first_step, p.last_step, p.opens) for p in out] == [
        (1, 2, False), (3, 3, True)]


class FakeClock:
    """`time.perf_counter` as the test sets it: step times known exactly."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _duration_ms(step):
    """A spread of step times with a known distribution."""
    return 1.0 + (step * 7 % 13) / 10


WAIT_MS = 0.25


def _drive(timer, model, steps, per_epoch, clock=None):
    """Calls the hooks as Keras's fit would, without computing anything;
    with a `FakeClock`, each step lasts `_duration_ms(step)` after an input
    wait of `WAIT_MS` (none for an epoch's first step)."""
    timer.set_model(model)
    timer.on_train_begin()
    step = 0
    for epoch in range(steps // per_epoch):
        timer.on_epoch_begin(epoch)
        for batch in range(per_epoch):
            step += 1
            if clock and batch:
                # An epoch's first step waits for nothing: where the time
                # between epoch begin and step begin goes is not tested here.
                clock.now += WAIT_MS / 1e3
            timer.on_train_batch_begin(batch)
            if clock:
                clock.now += _duration_ms(step) / 1e3
            timer.on_train_batch_end(batch, {"loss": 0.5})
        timer.on_epoch_end(epoch, {"loss": 0.5})
    timer.on_train_end({"loss": 0.5})


def test_long_run_is_decimated_with_exact_counts_and_summary(
        tmp_path, monkeypatch):
    monkeypatch.setattr(run_stats, "FULL_STEPS", 300)
    monkeypatch.setattr(run_stats, "BLOCK_STEPS", 50)
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0, batch_size=32)
    clock = FakeClock()
    monkeypatch.setattr(time, "perf_counter", clock)
    _drive(timer, model, steps=2000, per_epoch=100, clock=clock)
    monkeypatch.undo()
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    steps = [s for s, _ in scalars[schema.BATCH_MS]]
    counts = dict(scalars.get(schema.STEPS, []))
    # Steps 1-300 one point each, then points of at most 50 steps (an
    # epoch's first step may keep its own), up to step 2000, no step lost.
    assert steps[:300] == list(range(1, 301))
    assert all(counts.get(s, 1) <= 50 for s in steps)
    assert len(steps) <= 300 + 2 * (2000 - 300) // 50
    assert steps[-1] == 2000
    assert sum(counts.get(s, 1) for s in steps) == 2000
    summary = dict(scalars[schema.SUMMARY_SCALARS + "steps"])
    assert summary == {2000: 2000}
    # Against what the driver fed: the first batch is left out of every
    # figure, and the first epoch (warm-up) of the totals.
    fed = np.array([_duration_ms(s) for s in range(2, 2001)])
    steady = np.array([_duration_ms(s) for s in range(101, 2001)])
    waits = np.array([0.0 if s % 100 == 1 else WAIT_MS
                      for s in range(101, 2001)])
    (launch,) = report.report(str(tmp_path))
    train = launch["runs"][schema.TRAIN]
    assert train["steps"] == 2000
    assert train["first_batch_ms"] == pytest.approx(_duration_ms(1))
    for q, key in ((0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms")):
        assert train[key] == pytest.approx(
            np.quantile(fed, q, method="lower"), rel=0.006), key
    assert train["warmup_steps"] == 100
    assert train["samples_per_sec"] == pytest.approx(
        32 * len(steady) * 1e3 / (steady + waits).sum(), rel=1e-4)
    assert train["ms_per_sample"] == pytest.approx(
        (steady + waits).sum() / (32 * len(steady)), rel=1e-4)
    assert train["input_wait_share"] == pytest.approx(
        waits.sum() / (steady + waits).sum(), rel=1e-4)


def test_memory_of_the_timer_stays_bounded(tmp_path):
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0, batch_size=32)
    # A first run settles caches and the event file.
    _drive(timer, model, steps=20000, per_epoch=1000)
    gc.collect()
    # What the package's own code still holds after 100,000 more steps, from
    # Python's allocation tracer: the process's RSS also moves with other
    # threads and with the heap that earlier tests fragmented.
    ours = [tracemalloc.Filter(True, os.path.join("*", "keras_timing", "*"))]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(ours)
        _drive(timer, model, steps=100000, per_epoch=1000)
        gc.collect()
        after = tracemalloc.take_snapshot().filter_traces(ours)
    finally:
        tracemalloc.stop()
    growth_mb = sum(d.size_diff for d in after.compare_to(
        before, "filename")) / 2**20
    # Keeping each step (a StepTime, ~150 bytes) would add ~15 MB.
    assert growth_mb < 1, after.statistics("lineno")[:5]
    times = report.read_run(os.path.join(timer.launch_dir, schema.TRAIN))
    assert sum(t.steps for t in times) == 120000


class _EpochClock(keras.callbacks.Callback):
    """A bare clock: per epoch, its begin hook and its last batch's end.

    The last batch's end hook, not the latest hook: steps end on the device
    in order, but Keras's pool on JAX and torch may run an earlier batch's
    end hook after the last one's (seen: batch 197's 0.07 ms after batch
    200's). The last batch's hook already says the epoch's work was done,
    and the timer rightly ends the epoch there (`intervals.bound_ends`).
    """

    async_safe = True

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self._begin = time.perf_counter()
        self._ends = {}

    def on_train_batch_end(self, batch, logs=None):
        self._ends[batch] = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        # Keras has run every end hook of the epoch before this one.
        self.epochs.append((self._begin, self._ends[max(self._ends)]))


def test_timer_sums_match_an_independent_clock(tmp_path):
    # Two clocks around the timer's hooks: Keras calls each hook of the
    # callbacks in their order (a batch's end hooks in one job of its pool
    # on JAX and torch), so the timer's epoch begins between `before`'s and
    # `after`'s and its last step ends between theirs. The bounds hold
    # however long a busy machine keeps a thread off the core between two
    # hooks; a tolerance would not.
    model, x, y = demo.dense_example(keras, samples=32 * 200)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    before, after = _EpochClock(), _EpochClock()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              callbacks=[before, timer, after])
    times = report.read_run(os.path.join(timer.launch_dir, schema.TRAIN))
    # An epoch's first step is timed from the epoch's begin: the gap before
    # it is its epoch_start_ms, apart from input wait.
    timed = sum((t.batch_ms + t.input_wait_ms + t.epoch_start_ms) * t.steps
                for t in times)
    pairs = list(zip(before.epochs, after.epochs))
    assert len(pairs) == 2
    # From after's begin to before's last end, and the other way round;
    # the event files hold float32 (1e-7 of each of 400 figures).
    shortest = sum(b[1] - a[0] for b, a in pairs) * 1e3
    longest = sum(a[1] - b[0] for b, a in pairs) * 1e3
    assert shortest * (1 - 1e-5) <= timed <= longest * (1 + 1e-5), (
        shortest, timed, longest)
