"""The timer never breaks a run, and keeps what it measured when the run
breaks: faults, interference, bad input. Values are read back from disk."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import keras
import numpy as np
import pytest
from conftest import read_scalars, steps_of
from profiling.free import assert_none_running

from keras_timing import FitPredictTimer
from keras_timing.profiling import backends
from keras_timing import demo
from keras_timing import schema
from keras_timing.events import writer

BACKEND = keras.backend.backend()


def _run_script(tmp_path, body, timeout=300):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=timeout)


def test_keyboard_interrupt_from_a_callback_keeps_completed_batches(
        tmp_path):
    proc = _run_script(tmp_path, """
        import sys
        import keras
        from keras_timing import FitPredictTimer, demo

        class CtrlC(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                if batch == 13:
                    raise KeyboardInterrupt

        model, x, y = demo.dense_example(keras, samples=640)
        timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run",
                                verbose=0)
        model.fit(x, y, epochs=2, batch_size=32, verbose=0,
                  callbacks=[timer, CtrlC()])
    """)
    assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr
    train = read_scalars(str(tmp_path / "run" / schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 14))


def test_a_failing_data_generator_keeps_completed_batches(tmp_path, dense):
    _, x, y = dense
    model, _, _ = demo.dense_example(keras, samples=32)

    class Ended(keras.callbacks.Callback):
        """The reference: which batches Keras reported as ended."""

        def __init__(self):
            super().__init__()
            self.ended = []

        def on_train_batch_end(self, batch, logs=None):
            self.ended.append(batch + 1)

    def batches():
        for i in range(100):
            if i == 7:
                raise RuntimeError("bad record at batch 7")
            yield x[:32], y[:32]

    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0, batch_size=32)
    ended = Ended()
    # TensorFlow wraps the generator's error in its own exception type.
    with pytest.raises(Exception, match="bad record"):
        model.fit(batches(), epochs=1, steps_per_epoch=20, verbose=0,
                  callbacks=[timer, ended])
    timer.flush()
    # How many batches run before the error depends on the backend's
    # prefetching; the timer must hold exactly those.
    assert len(ended.ended) >= 3
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == ended.ended


def test_sigkill_leaves_readable_files_with_a_prefix_of_the_steps(tmp_path):
    """Killed mid-fit, after the periodic flushes (`flush_secs`) put points
    on disk: every point on disk before the kill is still read back,
    unchanged, and the steps are 1..N without a gap. The child says when
    the file holds 20,000 bytes (no wall-clock deadline: a busy machine
    only makes it later)."""
    script = tmp_path / "long.py"
    script.write_text(textwrap.dedent("""
        import glob
        import os
        import sys
        import keras
        from keras_timing import FitPredictTimer, demo

        class Flushed(keras.callbacks.Callback):
            # Says once that the timer's points reached the disk; the fit
            # goes on until the test kills it.
            async_safe = True
            said = False

            def on_train_batch_end(self, batch, logs=None):
                files = glob.glob(os.path.join(sys.argv[1], "run", "train",
                                               "*tfevents*"))
                if not self.said and files and (
                        os.path.getsize(files[0]) > 20000):
                    self.said = True
                    print("flushed", flush=True)

        model, x, y = demo.dense_example(keras, samples=32 * 500)
        timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run",
                                verbose=0, flush_secs=0.5)
        model.fit(x, y, epochs=1000, batch_size=32, verbose=0,
                  callbacks=[timer, Flushed()])
    """))
    run_dir = tmp_path / "run" / schema.TRAIN
    before = tmp_path / "before"
    with open(tmp_path / "stderr.txt", "w") as err:
        proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                                stdout=subprocess.PIPE, stderr=err,
                                text=True)
        # Only a guard against a hung child, not a speed bound.
        guard = threading.Timer(1800, proc.kill)
        guard.start()
        try:
            said = ""
            for said in proc.stdout:     # until it says so, or ends
                if said == "flushed\n":
                    break
            if said == "flushed\n":
                (events,) = run_dir.glob("*tfevents*")
                before.mkdir()
                shutil.copy(events, before)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            guard.cancel()
    assert said == "flushed\n", (
        tmp_path / "stderr.txt").read_text()[-3000:]
    kept = read_scalars(str(before))[schema.BATCH_MS]
    train = read_scalars(str(run_dir))
    steps = steps_of(train[schema.BATCH_MS])
    assert steps == list(range(1, len(steps) + 1))
    assert kept and train[schema.BATCH_MS][:len(kept)] == kept


def test_a_write_failure_gives_one_warning_and_training_goes_on(
        tmp_path, dense, monkeypatch):
    model, x, y = dense

    def disk_full(self, summary, step, wall_time=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.RunWriter, "_add", disk_full)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=2, batch_size=32, verbose=0,
                            callbacks=[timer])
        model.predict(x, verbose=0, callbacks=[timer])
    ours = [w for w in caught
            if str(w.message).startswith("keras_timing:")]
    assert len(ours) == 1 and "No space left" in str(ours[0].message)
    assert len(history.history["loss"]) == 2


def test_log_dir_below_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="log_dir"):
        FitPredictTimer(log_dir=str(tmp_path / "file" / "logs"))


def test_two_timers_in_one_process_write_their_own_folders(tmp_path, dense):
    model, x, y = dense
    a = FitPredictTimer(log_dir=str(tmp_path / "a"), verbose=0)
    b = FitPredictTimer(log_dir=str(tmp_path / "b"), verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[a, b])
    model.predict(x, verbose=0, callbacks=[b])
    for timer, runs in ((a, [schema.TRAIN]), (b, [schema.PREDICT,
                                                 schema.TRAIN])):
        assert sorted(os.listdir(timer.launch_dir)) == runs
        train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
        assert steps_of(train[schema.BATCH_MS]) == list(range(1, 21))


def test_reused_in_a_loop_counts_every_call(tmp_path, dense):
    model, x, y = dense
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    for _ in range(3):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer])
        model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[timer])
        model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    for run in (schema.TRAIN, schema.EVALUATE, schema.PREDICT):
        scalars = read_scalars(os.path.join(timer.launch_dir, run))
        assert steps_of(scalars[schema.BATCH_MS]) == list(range(1, 31)), run
        assert steps_of(scalars[schema.FIRST_BATCH_MS]) == [1, 11, 21], run


@pytest.mark.skipif(BACKEND == "torch",
                    reason="keras.callbacks.TensorBoard needs TensorFlow, "
                           "and refuses to profile on torch")
@pytest.mark.parametrize("profile_batch", [0, (2, 3)])
def test_with_keras_tensorboard_in_the_same_logs(tmp_path, dense,
                                                 profile_batch):
    pytest.importorskip("tensorflow")
    model, x, y = dense
    logs = str(tmp_path / "logs")
    tensorboard = keras.callbacks.TensorBoard(log_dir=logs,
                                              profile_batch=profile_batch)
    timer = FitPredictTimer(log_dir=logs, verbose=0, profile_steps=(6, 7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2,
                  verbose=0, callbacks=[tensorboard, timer])
    assert_none_running(backends.get(), tmp_path / "free")
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 17))
    # Keras's own runs sit beside the timer's launch folder.
    assert {"train", "validation"} <= set(os.listdir(logs))
    from tbparse import SummaryReader

    # Keras writes its scalars as tensor summaries.
    keras_tags = set(SummaryReader(os.path.join(logs, "train")).tensors.tag)
    assert "epoch_loss" in keras_tags
    assert len(timer.profile_sessions) == 1


def test_an_error_in_any_hook_stops_timing_not_training(
        tmp_path, dense, monkeypatch):
    from keras_timing.timer import clock

    model, x, y = dense

    def broken(self, *args, **kwargs):
        raise RuntimeError("clock broke")

    for method in ("begin", "anchor", "end", "settle", "drain"):
        monkeypatch.setattr(clock.Timeline, method, broken)
        timer = FitPredictTimer(log_dir=str(tmp_path / method), verbose=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(x, y, epochs=2, batch_size=32, verbose=0,
                                validation_split=0.2, callbacks=[timer])
            model.predict(x, verbose=0, callbacks=[timer])
        ours = [str(w.message) for w in caught
                if str(w.message).startswith("keras_timing:")]
        assert len(ours) == 1 and "clock broke" in ours[0], (method, ours)
        assert len(history.history["val_loss"]) == 2
        monkeypatch.undo()
