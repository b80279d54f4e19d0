"""Profiler windows in a user's fit and predict (issue 18, items 3 and 8).

A step whose time holds the profiler's start, its tracing or its stop is
written under `timing/profiled_ms` and left out of every figure, as a
compile is; the summary counts them. And the timer's capture starts where
`keras.callbacks.TensorBoard(profile_batch=...)` has finished with the
profiler, instead of giving its window up.

Everything is read back from what the timer wrote: the event files through
tbparse, the captures' step markers through xprof (torch: its Chrome trace).
"""

import math
import os
import warnings

import keras
import numpy as np
import pytest

from keras_timing import FitPredictTimer
from keras_timing import backend as backend_lib
from keras_timing import schema
from tests.profiling.traces import sidecar
from tests.profiling.traces import step_numbers
from tests.programs import readback

BACKEND = keras.backend.backend()
pytestmark = pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                reason="no profiler on %s" % BACKEND)
BATCH = 32


@pytest.fixture(autouse=True)
def no_profiler_left_running():
    yield
    from keras_timing.profiling import backends

    # stop() saves a capture left running and returns its files.
    if backends.get().stop():
        pytest.fail("the test left a capture running")


def _model():
    model = keras.Sequential([keras.Input((16,)),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _data(n):
    rng = np.random.default_rng(3)
    return (rng.random((n, 16), dtype="float32"),
            rng.random((n, 1), dtype="float32"))


def _steps(sc, tag):
    return [s for s, _ in sc.get(tag, [])]


def _counted_ms_per_sample(sc):
    """ms per sample over the steps the summary counts, recomputed from the
    points read back: no kind tag (first batch, recompile, overlap,
    profiled) and past the warm-up steps the summary names.

    A step of no time (its end hook came with a later one's, on JAX under
    load) has no rate to write, so no `samples_per_sec`; its batch's
    samples still count (every batch here is full), its time went to the
    steps around it."""
    warmup = int(sc[schema.SUMMARY_SCALARS + "warmup_steps"][-1][1])
    kinds = {s for tag in (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS,
                           schema.OVERLAP_MS, schema.PROFILED_MS)
             for s, _ in sc.get(tag, [])}
    samples = readback.step_samples(sc)
    wait = dict(sc[schema.INPUT_WAIT_MS])
    spans = dict(sc.get(schema.STEPS, []))
    ms = n = 0.0
    for step, batch in sc[schema.BATCH_MS]:
        if step in kinds or step <= warmup:
            continue
        if step not in samples:
            assert batch + wait[step] == 0.0, (step, batch, wait[step])
        ms += batch + wait[step]
        n += samples.get(step, BATCH * spans.get(step, 1))
    return ms / n


def test_profiled_steps_are_tagged_counted_and_left_out(tmp_path, capsys):
    """Item 3: fit with validation, windows in epoch 2, then predict with a
    window. The step that starts the profiler (one before the window), the
    traced steps, and the step whose begin stops it are `profiled_ms`."""
    x, y = _data(400)      # validation_split=0.2: 10 train steps an epoch
    model = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=1,
                            profile_steps=(15, 17),
                            profile_predict_steps=(3, 5))
    model.fit(x, y, epochs=2, batch_size=BATCH, validation_split=0.2,
              verbose=0, callbacks=[timer])
    model.predict(x[:320], batch_size=BATCH, verbose=0, callbacks=[timer])
    printed = capsys.readouterr().out
    launch = timer.launch_dir

    train = readback.scalars(launch, schema.TRAIN)
    predict = readback.scalars(launch, schema.PREDICT)
    validation = readback.scalars(launch, schema.VALIDATION)
    assert _steps(train, schema.PROFILED_MS) == [
        14, 15, 16, 17, 18]
    assert _steps(predict, schema.PROFILED_MS) == [
        2, 3, 4, 5, 6]
    assert schema.PROFILED_MS not in validation
    # Every step is still on the axis, with its batch_ms.
    readback.assert_steps(launch, schema.TRAIN, 20)
    readback.assert_steps(launch, schema.PREDICT, 10)

    assert readback.summary_value(launch, schema.TRAIN,
                                  "profiled_steps") == 5
    assert readback.summary_value(launch, schema.PREDICT,
                                  "profiled_steps") == 5
    assert "5 profiled steps (profiler), left out" in printed
    # The figures hold the counted steps only.
    train_ms = readback.summary_value(launch, schema.TRAIN, "ms_per_sample")
    predict_ms = readback.summary_value(launch, schema.PREDICT,
                                        "ms_per_sample")
    assert train_ms == pytest.approx(_counted_ms_per_sample(train),
                                     rel=1e-5)
    assert predict_ms == pytest.approx(_counted_ms_per_sample(predict),
                                       rel=1e-5)
    assert timer.fit_predict_ratio == pytest.approx(train_ms / predict_ms,
                                                    rel=1e-5)

    # The captures hold the windows' steps.
    train_session, predict_session = timer.profile_sessions
    assert step_numbers(train_session, tmp_path / "a") == [15, 16, 17]
    assert step_numbers(predict_session, tmp_path / "b") == [3, 4, 5]


def test_without_windows_no_step_is_profiled(tmp_path):
    """The mark is the windows' alone: a timer without them tags nothing."""
    x, y = _data(320)
    model = _model()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=BATCH, verbose=0, callbacks=[timer])
    for run in (schema.TRAIN, schema.PREDICT):
        sc = readback.scalars(timer.launch_dir, run)
        assert schema.PROFILED_MS not in sc
        assert readback.summary_value(timer.launch_dir, run,
                                      "profiled_steps") == 0


def _tensorboard_sessions(log_dir):
    root = os.path.join(log_dir, "train", "plugins", "profile")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


@pytest.mark.skipif(BACKEND != "tensorflow", reason=(
    "keras.callbacks.TensorBoard profiles on TensorFlow; on JAX it needs "
    "Python 3.12, on torch it refuses profile_batch"))
def test_a_window_right_after_tensorboards_profiler_is_captured(tmp_path):
    """Item 8: TensorBoard traces steps 2-4 and stops after step 4, where
    the timer's (5, 7) window would start one step early."""
    x, y = _data(320)
    model = _model()
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "tb"),
                                        profile_batch=(2, 4))
    timer = FitPredictTimer(log_dir=str(tmp_path / "logs"), verbose=0,
                            profile_steps=(5, 7))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0,
                  callbacks=[board, timer])
    ours = [str(w.message) for w in caught
            if "keras_timing" in str(w.message)]
    assert ours == []
    (session,) = timer.profile_sessions
    assert sidecar(session)["marked_steps"] == [5, 6, 7]
    assert step_numbers(session, tmp_path / "a") == [5, 6, 7]
    # TensorBoard got its own capture too.
    assert len(_tensorboard_sessions(str(tmp_path / "tb"))) == 1
    # It started at step 5: steps 5-8 hold the timer's profiler work.
    sc = readback.scalars(timer.launch_dir, schema.TRAIN)
    assert _steps(sc, schema.PROFILED_MS) == [5, 6, 7, 8]


@pytest.mark.skipif(BACKEND != "tensorflow", reason=(
    "keras.callbacks.TensorBoard profiles on TensorFlow only here"))
def test_a_window_inside_tensorboards_is_skipped_with_a_warning(tmp_path):
    """Item 8: a real overlap (TensorBoard traces 2-6, the timer asks for
    5-7) still gives the warning, and training goes on."""
    x, y = _data(320)
    model = _model()
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "tb"),
                                        profile_batch=(2, 6))
    timer = FitPredictTimer(log_dir=str(tmp_path / "logs"), verbose=0,
                            profile_steps=(5, 7))
    with pytest.warns(UserWarning, match="another profiler is running.*"
                      "steps 5-7 is skipped"):
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0,
                  callbacks=[board, timer])
    assert timer.profile_sessions == []
    assert len(_tensorboard_sessions(str(tmp_path / "tb"))) == 1
    sc = readback.scalars(timer.launch_dir, schema.TRAIN)
    readback.assert_steps(timer.launch_dir, schema.TRAIN, 10)
    assert schema.PROFILED_MS not in sc
    assert not math.isnan(readback.summary_value(
        timer.launch_dir, schema.TRAIN, "ms_per_sample"))
