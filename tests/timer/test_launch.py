"""Launch: shared per log_dir, its writer thread, and how it fails."""

import os
import threading
import warnings

import keras
import pytest

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing.timer import launch as launch_lib


def test_timers_without_run_name_share_one_launch_per_log_dir(tmp_path):
    model, x, y = demo.dense_example(keras, samples=64)
    fit = FitPredictTimer(log_dir=str(tmp_path / "a"), verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[fit])
    predict = FitPredictTimer(log_dir=str(tmp_path / "a"), verbose=0)
    model.predict(x, batch_size=32, verbose=0, callbacks=[predict])
    other = FitPredictTimer(log_dir=str(tmp_path / "b"), verbose=0)
    model.predict(x, batch_size=32, verbose=0, callbacks=[other])
    assert fit.launch_dir == predict.launch_dir != other.launch_dir
    assert sorted(os.listdir(fit.launch_dir)) == ["predict", "train"]
    assert predict.fit_predict_ratio == predict.fit_predict_ratio  # not NaN


def test_a_failure_stops_the_writer_thread_and_closes_the_files(tmp_path):
    launch = launch_lib.Launch(str(tmp_path), "run", flush_secs=0.01)
    model, _, _ = demo.dense_example(keras, samples=32)
    recorder, _ = launch.recorder("train", model)
    recorder.writer.scalars(1, {"timing/batch_ms": 1.0})
    launch.call_started()
    assert launch.flusher._thread.is_alive()
    with pytest.warns(UserWarning, match="timing stopped"):
        launch.fail(RuntimeError("boom"))
    thread = launch.flusher._thread
    assert thread is None or not thread.is_alive()
    assert recorder.writer._file is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        launch.fail(RuntimeError("again"))   # one warning only
        launch.flush()                       # and nothing written


def test_the_writer_thread_is_woken_even_when_counts_skip_multiples(
        tmp_path, monkeypatch):
    monkeypatch.setattr(launch_lib, "DRAIN_AT", 10)
    launch = launch_lib.Launch(str(tmp_path), "run")
    woken = []
    monkeypatch.setattr(launch.flusher, "wake", lambda: woken.append(1))
    launch._next_wake = 10
    for count in (3, 9, 11, 12, 19, 23, 25):
        launch.waiting(count)
    # 11 passed 10, 23 passed 21: never an exact multiple, two wakes.
    assert len(woken) == 2


def test_a_second_timer_on_the_same_fit_gets_its_own_launch(tmp_path):
    model, x, y = demo.dense_example(keras, samples=64)
    a = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    b = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[a, b])
    assert a.launch_dir != b.launch_dir
    for timer in (a, b):
        assert timer.summaries()["train"]["steps"] == 2


def test_an_unwritable_log_dir_is_refused_before_training():
    # /proc takes no new folder, whatever the permissions say (as root too).
    with pytest.raises(ValueError, match="log_dir '/proc/keras_timing_logs' "
                       "is not writable"):
        FitPredictTimer(log_dir="/proc/keras_timing_logs")


def test_past_max_waiting_the_end_hook_writes_itself(tmp_path, monkeypatch):
    """Steps faster than the writer thread: the hook drains, so what waits
    in memory stays bounded and nothing is lost."""
    monkeypatch.setattr(launch_lib, "DRAIN_AT", 50)
    monkeypatch.setattr(launch_lib, "MAX_WAITING", 200)
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="fast",
                            verbose=0, batch_size=32, flush_secs=3600)
    timer.set_model(model)
    timer.set_params({"epochs": 1, "steps": 1000, "verbose": 0})
    timer.on_train_begin()
    timer.on_epoch_begin(0)
    waiting = []
    for batch in range(1000):
        timer.on_train_batch_begin(batch)
        timer.on_train_batch_end(batch, {"loss": 0.5})
        waiting.append(timer._launch.timeline.end(timer._launch.recorders[
            "train"], -1))   # an end of no step: returns what waits
    # The writer thread never ran (flush_secs=3600, woken at most every
    # 50): the hook itself drained whenever 200 waited.
    assert max(waiting) <= 201
    timer.on_epoch_end(0, {"loss": 0.5})
    timer.on_train_end({"loss": 0.5})
    from conftest import read_scalars

    points = read_scalars(os.path.join(timer.launch_dir, "train"))
    assert [s for s, _ in points["timing/batch_ms"]] == list(range(1, 1001))


class BoomAtStep5(keras.callbacks.Callback):
    """Kills the fit at step 5's begin (after the timer's begin hook)."""

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 4:
            raise RuntimeError("boom")


def test_after_a_call_died_the_writer_thread_writes_it_and_stops(tmp_path):
    from conftest import read_scalars

    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="died",
                            verbose=0, flush_secs=0.05)
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer, BoomAtStep5()])
    # A handshake, not a deadline: the writer thread sees every call died,
    # writes what they completed and ends itself; joined however long a
    # busy machine makes that (the timeout only ends a thread that never
    # stops, which the assertion then names).
    thread = timer._launch.flusher._thread
    if thread is not None:
        thread.join(timeout=300)
        assert not thread.is_alive(), "the writer thread did not stop"
    assert timer._launch.flusher._thread is None
    train = read_scalars(os.path.join(timer.launch_dir, "train"))
    assert [s for s, _ in train["timing/batch_ms"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("found_by", ["flush", "next call"])
def test_a_died_fits_late_end_hooks_are_written_before_it_is_closed(
        tmp_path, found_by):
    """On JAX and torch Keras's pool runs the end hooks late: when the fit
    died at step 5's begin, steps 3 and 4 had ended but their end hooks
    were still held (here by a callback before the timer). `flush()`, or
    the timer's next call, finds the fit died; it waits for those hooks,
    so steps 1-4 are written."""
    from conftest import read_scalars

    if keras.backend.backend() == "tensorflow":
        pytest.skip("TensorFlow runs the end hooks on the training thread")
    held = threading.Event()

    class Held(keras.callbacks.Callback):
        async_safe = True

        def on_train_batch_end(self, batch, logs=None):
            if batch >= 2:
                held.wait(300)

    model, x, y = demo.dense_example(keras, samples=320)
    # The writer thread never wakes by itself: flush() below is the drain.
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="late",
                            verbose=0, flush_secs=1e6)
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[Held(), timer, BoomAtStep5()])
    finder = timer.flush if found_by == "flush" else (
        lambda: model.predict(x, batch_size=32, verbose=0,
                              callbacks=[timer]))
    flushing = threading.Thread(target=finder)
    flushing.start()
    # The hooks are let go once the finder returned or had a second: one
    # that does not wait for them has closed the fit by then, whatever the
    # machine's load (a late release only lets the old code pass).
    flushing.join(timeout=1.0)
    held.set()
    flushing.join(timeout=300)
    assert not flushing.is_alive()
    timer.flush()
    train = read_scalars(os.path.join(timer.launch_dir, "train"))
    assert [s for s, _ in train["timing/batch_ms"]] == [1, 2, 3, 4]
