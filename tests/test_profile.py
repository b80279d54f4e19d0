"""Profiler captures from FitPredictTimer: what the windows, schedules and
the slow-step trigger capture, read back with xprof's converter (TensorFlow,
JAX) or as Chrome trace JSON (torch), and the profiling arguments' checks.
What is left when a run fails around a capture: test_profile_failures.py."""

import json
import os
import time

import keras
import numpy as np
import pytest
from conftest import read_scalars, steps_of
from profiling.free import no_capture_left_running  # noqa: F401 (fixture)
from profiling.traces import XPLANE
from profiling.traces import marked_steps
from profiling.traces import sidecar
from profiling.traces import step_numbers

from keras_timing import FitPredictTimer
from keras_timing import ProfileSchedule
from keras_timing import backend as backend_lib
from keras_timing import cli
from keras_timing import demo
from keras_timing import schema

BACKEND = keras.backend.backend()
pytestmark = [pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                 reason="no profiler on %s" % BACKEND),
              pytest.mark.usefixtures("no_capture_left_running")]


def _name(run):
    return schema.MARKER_NAMES[run] if XPLANE else "step"

def test_train_and_predict_windows_hold_exactly_their_steps(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(3, 5), profile_predict_steps=(2, 3))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    from keras_timing.report.captures import SESSION_ROOTS

    # torch traces stay out of the Profile tab (xprof cannot read them).
    root = SESSION_ROOTS[0 if BACKEND != "torch" else 1]
    train_root = os.path.join(timer.launch_dir, schema.TRAIN, root)
    predict_root = os.path.join(timer.launch_dir, schema.PREDICT, root)
    (train,) = [os.path.join(train_root, s) for s in os.listdir(train_root)]
    (predict,) = [os.path.join(predict_root, s)
                  for s in os.listdir(predict_root)]
    assert marked_steps(train, tmp_path / "a") == [
        (_name(schema.TRAIN), s) for s in (3, 4, 5)]
    assert marked_steps(predict, tmp_path / "b") == [
        (_name(schema.PREDICT), s) for s in (2, 3)]
    assert sorted(timer.profile_sessions) == sorted([train, predict])
    # Profiling changes nothing in the scalars.
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(scalars[schema.BATCH_MS]) == list(range(1, 11))


def test_two_windows_close_in_time_get_two_sessions(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=[(2, 3), "6,7"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    first, second = timer.profile_sessions
    assert first != second
    assert [s for _, s in marked_steps(first, tmp_path / "a")] == [2, 3]
    assert [s for _, s in marked_steps(second, tmp_path / "b")] == [6, 7]


def test_schedule_and_windows_across_epochs(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(
        log_dir=str(tmp_path), verbose=0,
        profile_steps=ProfileSchedule(wait=8, warmup=1, active=3, repeat=1))
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    (session,) = timer.profile_sessions
    # Steps 10, 11 and 12 straddle the end of epoch 1 (10 steps an epoch).
    assert [s for _, s in marked_steps(session, tmp_path / "a")] == [
        10, 11, 12]


@pytest.mark.skipif(BACKEND != "jax",
                    reason="torch refuses steps_per_execution > 1; on "
                           "TensorFlow xprof finds no steps in a trace of a "
                           "multi-step tf.function (see README)")
def test_steps_per_execution_marks_the_calls_of_the_window(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    model.compile(optimizer="adam", loss="mse", steps_per_execution=2)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(3, 6))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    (session,) = timer.profile_sessions
    # Calls run steps 1-2, 3-4, 5-6, ...: one marker per call, its first step.
    assert [s for _, s in marked_steps(session, tmp_path / "a")] == [3, 5]



@pytest.mark.skipif(not XPLANE, reason="xprof reads xplane traces only")
def test_report_lists_captures_with_profiler_and_timer_step_times(
        tmp_path, capsys):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(3, 5))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    assert cli.main(["report", str(tmp_path), "--json"]) == 0
    (launch,) = json.loads(capsys.readouterr().out)
    (capture,) = launch["captures"][schema.TRAIN]
    assert capture["steps"] == [3, 5]
    assert capture["bytes"] == os.path.getsize(capture["file"]) > 0
    rows = capture["step_ms"]
    assert [r["step"] for r in rows] == [3, 4, 5]
    scalars = dict(read_scalars(os.path.join(timer.launch_dir,
                                             schema.TRAIN))[schema.BATCH_MS])
    for r in rows:
        assert r["profiler_ms"] > 0
        assert r["timer_batch_ms"] == pytest.approx(scalars[r["step"]])


@pytest.mark.parametrize("kwargs, match", [
    ({"profile_steps": (5, 3)}, "profile_steps"),
    ({"profile_steps": 0}, "profile_steps"),
    ({"profile_predict_steps": "a,b"}, "profile_predict_steps"),
    ({"profile_evaluate_steps": 2.5}, "profile_evaluate_steps"),
])
def test_invalid_profile_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FitPredictTimer(**kwargs)


def test_invalid_schedule_is_refused():
    with pytest.raises(ValueError, match="active"):
        ProfileSchedule(wait=1, warmup=1, active=0)


class _SlowStep(keras.callbacks.Callback):
    """Real extra work after batch `at_batch`: small matmuls until `times`
    the median interval between the begin hooks before it has passed, so
    the step is that much slower than usual on a quiet machine and on a
    busy one alike (the work and the steps slow down together)."""

    def __init__(self, at_batch, times):
        super().__init__()
        self.at_batch, self.times = at_batch, times
        self.begins = []
        self.median_ms = self.work_ms = None

    def on_train_batch_begin(self, batch, logs=None):
        self.begins.append(time.perf_counter())

    def on_train_batch_end(self, batch, logs=None):
        if batch != self.at_batch:
            return
        self.median_ms = float(np.median(np.diff(self.begins))) * 1e3
        t = time.perf_counter()
        until = t + self.times * self.median_ms / 1e3
        m = np.ones((64, 64), dtype=np.float32)
        while time.perf_counter() < until:
            m = np.tanh(m @ m * 1e-3)
        self.work_ms = (time.perf_counter() - t) * 1e3


def test_a_slow_step_triggers_a_capture_of_the_next_steps(tmp_path):
    # The slow-step watch compares nothing until it has seen 16 intervals
    # (their median): the interval after step 17 is the first it can call
    # slow. The extra work goes exactly there, so no hiccup of a loaded
    # machine can have triggered a capture (and its cool-down) before it;
    # and it lasts twice the factor times the median of the same 16
    # intervals, as a callback beside the timer saw them.
    model, x, y = demo.dense_example(keras, samples=32 * 30)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_slow_steps=5.0)
    slow_step = _SlowStep(16, times=10.0)
    # Local batch 16 is global step 17; its extra work delays the begin of
    # step 18, which sees the slow interval and starts the capture.
    model.fit(x, y, epochs=1, batch_size=32, verbose=0,
              callbacks=[timer, slow_step])
    # The cool-down (20 steps past the window) outlasts the fit: one capture.
    (session,) = timer.profile_sessions
    trigger = sidecar(session)["trigger"]
    assert (trigger["slow_step"], trigger["factor"]) == (17, 5.0)
    # The slow interval holds the extra work the callback measured, and the
    # median is that of the 16 intervals the callback saw.
    assert trigger["interval_ms"] >= slow_step.work_ms
    assert trigger["median_ms"] == pytest.approx(slow_step.median_ms,
                                                 rel=0.5)
    assert step_numbers(session, tmp_path / "a") == [19, 20, 21]
    # The capture's steps, its start (18) and its stop (22) are left out.
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(scalars[schema.PROFILED_MS]) == [18, 19, 20, 21, 22]


@pytest.mark.parametrize("value", [1.0, 0, -2, "3", True])
def test_invalid_slow_step_factor_is_refused(value):
    with pytest.raises(ValueError, match="profile_slow_steps"):
        FitPredictTimer(profile_slow_steps=value)
