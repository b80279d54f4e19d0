"""Profiler captures from FitPredictTimer when the run around them fails:
an exception inside a window, a profiler already running, a fit cut short
and a new timer started at once. No capture is left running, and what was
captured reads back (xprof's converter on TensorFlow and JAX, Chrome trace
JSON on torch)."""

import os

import keras
import pytest
from conftest import read_scalars, steps_of
from profiling.free import assert_none_running
from profiling.free import no_capture_left_running  # noqa: F401 (fixture)
from profiling.traces import marked_steps
from profiling.traces import sidecar
from profiling.traces import step_numbers

from keras_timing import FitPredictTimer
from keras_timing import backend as backend_lib
from keras_timing import demo
from keras_timing import schema
from keras_timing.profiling import backends

BACKEND = keras.backend.backend()
pytestmark = [pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                 reason="no profiler on %s" % BACKEND),
              pytest.mark.usefixtures("no_capture_left_running")]

# A step cut short by an exception: its marker is dropped, and xprof then
# sees no end of it; torch's profiler closes open ranges when it stops.
_DIED = [3, 4, 5] if BACKEND == "torch" else [3, 4]


_DIED_AT_12 = list(range(5, 13 if BACKEND == "torch" else 12))


class _Boom(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if batch == 4:
            raise RuntimeError("boom inside the window")


def test_exception_inside_a_window_stops_the_profiler(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=[(3, 6), (13, 14)])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer, _Boom()])
    timer.flush()
    assert_none_running(backends.get(), tmp_path / "free")
    (died,) = timer.profile_sessions
    assert [s for _, s in marked_steps(died, tmp_path / "a")] == _DIED
    # A later fit on the same timer profiles again. Steps 1-4 ended, so it
    # runs steps 5-14: the rest of the first window, then the second.
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    _, rest, second = timer.profile_sessions
    assert [s for _, s in marked_steps(rest, tmp_path / "b")] == [5, 6]
    assert [s for _, s in marked_steps(second, tmp_path / "c")] == [13, 14]


def test_a_later_fit_stops_a_capture_left_by_a_failed_one(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(3, 6))
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer, _Boom()])
    model.predict(x, verbose=0, callbacks=[timer])
    assert_none_running(backends.get(), tmp_path / "free")
    (died,) = timer.profile_sessions
    assert [s for _, s in marked_steps(died, tmp_path / "a")] == _DIED


def _start_other_profiler(logdir):
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tf.profiler.experimental.start(logdir)
        return tf.profiler.experimental.stop
    if BACKEND == "jax":
        import jax

        jax.profiler.start_trace(logdir)
        return jax.profiler.stop_trace
    import torch

    prof = torch.profiler.profile()
    prof.__enter__()
    return lambda: prof.__exit__(None, None, None)


def test_busy_profiler_gives_a_warning_and_training_goes_on(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path / "logs"), verbose=0,
                            profile_steps=[(2, 3), (6, 7)])
    stop_other = _start_other_profiler(str(tmp_path / "other"))
    try:
        with pytest.warns(UserWarning, match="another profiler is running"):
            model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                      callbacks=[timer])
    finally:
        stop_other()
    assert timer.profile_sessions == []
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(scalars[schema.BATCH_MS]) == list(range(1, 11))



class _FailAt(keras.callbacks.Callback):
    """Raises at the begin of train step `step` (1-based), as a data
    pipeline that breaks there would: the step never runs."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_begin(self, batch, logs=None):
        if batch + 1 == self.step:
            raise ValueError("data broke at step %d" % self.step)


def test_a_new_timer_saves_the_capture_an_interrupted_one_left(tmp_path):
    # A notebook cell re-run: a fit dies inside its profiler window, and a
    # new timer starts a new fit at once, before the first timer's writer
    # thread looks (flush_secs=60).
    model, x, y = demo.dense_example(keras, samples=32 * 20)
    first = FitPredictTimer(log_dir=str(tmp_path / "one"), verbose=0,
                            flush_secs=60, profile_steps=(5, 20))
    with pytest.raises(ValueError, match="data broke at step 12"):
        model.fit(x, y, batch_size=32, epochs=1, verbose=0,
                  callbacks=[first, _FailAt(12)])
    second = FitPredictTimer(log_dir=str(tmp_path / "two"), verbose=0,
                             profile_steps=(3, 5))
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[second])
    (saved,) = first.profile_sessions
    meta = sidecar(saved)
    assert (meta["window"], meta["marked_steps"]) == ([4, 5, 20],
                                                      list(range(5, 12)))
    # xprof's overview may leave out a long capture's first and last step;
    # on torch the step that was cut short shows in the trace too.
    steps = set(step_numbers(saved, tmp_path / "a"))
    assert set(range(6, 11)) <= steps <= set(_DIED_AT_12)
    (new,) = second.profile_sessions
    assert step_numbers(new, tmp_path / "b") == [3, 4, 5]
    assert_none_running(backends.get(), tmp_path / "free")
