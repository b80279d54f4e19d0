"""FLOP counting off the user's call (issue 20): counted on the process's
counting thread, read back from the event files (tbparse) and the report.

The profiler's `flops` is wrapped to record facts (the thread it runs on,
whether the test had let it go on, what it returned), never times: where a
count is held at a gate until the user's `fit` has returned, a `fit` that
waited for its count would hold the gate shut until the wrapper gives up,
and the wrapper records that it gave up.
"""

import os
import subprocess
import sys
import textwrap
import threading

import keras
import pytest

from conftest import read_scalars
from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import report
from keras_timing import schema
from keras_timing.profiling import backends
from keras_timing.timer import counting
from keras_timing.timer import throughput

# What the wrapper waits for a held gate before it gives up (a fit that
# waited on its count would otherwise never return).
GIVE_UP_S = 120
# How long a step waits for a count to go on beside it (none should: the
# wait then runs out, and the test goes on).
HANDSHAKE_S = 5


class Counts:
    """`profiler.flops` wrapped: each count's step function, thread name,
    whether its gate was open when it went on, and its FLOPs."""

    def __init__(self, monkeypatch, fail=None):
        self.profiler = backends.get()
        self.real = self.profiler.flops
        self.gate = threading.Event()
        self.gate.set()
        self.seen = []
        self.fail = fail
        monkeypatch.setattr(self.profiler, "flops", self)

    def __call__(self, model, step_function, batch):
        opened = self.gate.wait(GIVE_UP_S)
        if self.fail is not None:
            raise self.fail
        flops = self.real(model, step_function, batch)
        self.seen.append((step_function, threading.current_thread().name,
                          opened, flops))
        return flops


@pytest.fixture
def auto_counts(monkeypatch):
    """"auto" counts after every call of the launch's own model (as after
    a call of 20 s or more)."""
    monkeypatch.setattr(throughput, "AUTO_MIN_CALL_S", 0.0)
    return Counts(monkeypatch)


def test_auto_counts_after_the_call_returned(tmp_path, auto_counts):
    model, x, y = demo.dense_example(keras, samples=128)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="auto",
                            verbose=0)              # count_flops="auto"
    auto_counts.gate.clear()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    auto_counts.gate.set()          # only once fit has returned
    auto_counts.gate.clear()
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    auto_counts.gate.set()
    timer.flush()                   # waits for the counts to land
    assert [s[:3] for s in auto_counts.seen] == [
        ("train", "keras_timing-flops", True),
        ("predict", "keras_timing-flops", True)]
    flops = {schema.TRAIN: auto_counts.seen[0][3] / 32,
             schema.PREDICT: auto_counts.seen[1][3] / 32}
    assert all(flops.values())
    for run, per_sample in flops.items():
        scalars = read_scalars(os.path.join(timer.launch_dir, run))
        assert scalars[schema.FLOPS_PER_SAMPLE] == [(1, pytest.approx(
            per_sample))]
        # Every point of the call got its throughput when the count landed.
        rate = dict(scalars[schema.SAMPLES_PER_SEC])
        tflops = dict(scalars[schema.TFLOPS_PER_SEC])
        assert set(tflops) == set(rate) and rate
        for step, value in tflops.items():
            assert value == pytest.approx(rate[step] * per_sample / 1e12,
                                          rel=1e-5)
        assert set(dict(scalars[schema.MFU])) == set(rate)
        # The call's summary, written again with the figure.
        ((_, written),) = scalars[schema.SUMMARY_SCALARS
                                  + "flops_per_sample"]
        assert written == pytest.approx(per_sample)
    (launch,) = report.report(str(tmp_path))
    assert launch["runs"][schema.TRAIN]["flops_per_sample"] == \
        pytest.approx(flops[schema.TRAIN])
    assert timer.summaries()[schema.TRAIN]["flops_per_sample"] == \
        pytest.approx(flops[schema.TRAIN])


@pytest.mark.parametrize("same_timer", [True, False])
def test_an_auto_count_never_runs_beside_the_next_call(tmp_path,
                                                       auto_counts,
                                                       same_timer):
    # Fit, then predict at once (a script, a notebook cell; predict timed
    # by the same timer or another one, another launch): the fit's count
    # waits until no timed call runs, so predict's steps do not share the
    # CPU with it. The gate opens at predict's begin, and
    # predict's second step waits (a handshake, bounded) for a count to
    # go on: one that runs beside predict is then seen running.
    model, x, y = demo.dense_example(keras, samples=256)
    went_on = threading.Event()

    class Predicting(keras.callbacks.Callback):
        running = False

        def on_predict_begin(self, logs=None):
            Predicting.running = True
            auto_counts.gate.set()

        def on_predict_batch_begin(self, batch, logs=None):
            if batch == 1:
                went_on.wait(HANDSHAKE_S)

        def on_predict_end(self, logs=None):
            Predicting.running = False

    beside = []

    def counting(model, step_function, batch):
        auto_counts.gate.wait(GIVE_UP_S)
        beside.append((step_function, Predicting.running))
        went_on.set()
        return auto_counts.real(model, step_function, batch)

    auto_counts.profiler.flops = counting
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="idle",
                            verbose=0)               # count_flops="auto"
    auto_counts.gate.clear()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    other = timer if same_timer else FitPredictTimer(
        log_dir=str(tmp_path / "other"), launch_name="other", verbose=0)
    model.predict(x, batch_size=32, verbose=0,
                  callbacks=[Predicting(), other])
    timer.flush()          # the counts run now: nothing is running
    other.flush()
    assert beside == [("train", False), ("predict", False)]
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert scalars[schema.FLOPS_PER_SAMPLE][0][1] > 0


def test_true_counts_on_the_counting_thread(tmp_path, monkeypatch):
    counts = Counts(monkeypatch)
    model, x, y = demo.dense_example(keras, samples=64)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="true",
                            verbose=0, count_flops=True)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    summary = timer.summaries()[schema.TRAIN]
    assert [s[:2] for s in counts.seen] == [("train", "keras_timing-flops")]
    assert summary["flops_per_sample"] == pytest.approx(
        counts.seen[0][3] / 32)
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert scalars[schema.FLOPS_PER_SAMPLE] == [(1, pytest.approx(
        summary["flops_per_sample"]))]


def test_a_count_failing_on_its_thread_warns_once_and_training_goes_on(
        tmp_path, monkeypatch):
    monkeypatch.setattr(throughput, "AUTO_MIN_CALL_S", 0.0)
    Counts(monkeypatch, fail=RuntimeError("no count today"))
    model, x, y = demo.dense_example(keras, samples=64)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="fails",
                            verbose=0)
    with pytest.warns(UserWarning) as caught:
        for _ in range(2):          # two calls, two failed counts
            history = model.fit(x, y, epochs=2, batch_size=32, verbose=0,
                                callbacks=[timer])
            assert len(history.history["loss"]) == 2
        timer.flush()
    ours = [str(w.message) for w in caught if "keras_timing" in
            str(w.message)]
    assert len(ours) == 1 and "no count today" in ours[0], ours
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert schema.FLOPS_PER_SAMPLE not in scalars
    assert len(scalars[schema.CALL_MS]) == 2     # timing went on


def test_a_cell_run_again_queues_on_one_counting_thread(tmp_path,
                                                        auto_counts):
    # The same cell twice: a new model and timer each time, both counts
    # pending at once behind a shut gate.
    timers = []
    auto_counts.gate.clear()
    for _ in range(2):
        model, x, y = demo.dense_example(keras, samples=64)
        timers.append(FitPredictTimer(log_dir=str(tmp_path), verbose=0))
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timers[-1]])
    counting = [t for t in threading.enumerate()
                if t.name == "keras_timing-flops"]
    auto_counts.gate.set()
    assert len(counting) == 1
    assert timers[0].launch_dir != timers[1].launch_dir
    for timer in timers:
        timer.flush()
        scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
        assert len(scalars[schema.FLOPS_PER_SAMPLE]) == 1
    assert [s[:3] for s in auto_counts.seen] == [
        ("train", "keras_timing-flops", True)] * 2


def test_a_count_still_running_at_exit_holds_the_exit_a_bounded_time(
        tmp_path):
    # A count that never ends (its gate is never opened): the process
    # still exits, with its event files whole and nothing on stderr.
    script = textwrap.dedent("""
        import threading
        import keras
        from keras_timing import FitPredictTimer, demo
        from keras_timing.profiling import backends
        from keras_timing.timer import counting, throughput

        throughput.AUTO_MIN_CALL_S = 0.0
        counting.EXIT_WAIT_S = 0.5
        never = threading.Event()
        backends.get().flops = lambda *args: never.wait()
        model, x, y = demo.dense_example(keras, samples=64)
        timer = FitPredictTimer(log_dir=%r, launch_name="exit", verbose=0)
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer])
        print("fit returned")
    """ % str(tmp_path))
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(),
               TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", script], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "fit returned\n"
    assert "Traceback" not in done.stderr and "keras_timing" not in \
        done.stderr, done.stderr
    assert report.damaged_files(str(tmp_path)) == []
    scalars = read_scalars(os.path.join(str(tmp_path), "exit",
                                        schema.TRAIN))
    assert scalars[schema.BATCH_MS] and schema.FLOPS_PER_SAMPLE not in \
        scalars


def test_a_count_waiting_for_idle_never_holds_a_call_waiting_for_its_own(
        tmp_path, auto_counts):
    # Timer A's "auto" count waits for the process to be idle; timer B's
    # fit (count_flops=True, printing) waits at its end for its own count,
    # queued behind A's, and keeps the process busy meanwhile: A's wait
    # ends for it (this deadlocked the demo's test in a busy CI run). The
    # fit runs on a thread joined with a bound that only a hang reaches.
    model, x, y = demo.dense_example(keras, samples=128)
    first = FitPredictTimer(log_dir=str(tmp_path / "a"), launch_name="a",
                            verbose=0)                 # count_flops="auto"
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[first])
    waiting = FitPredictTimer(log_dir=str(tmp_path / "b"), launch_name="b",
                              verbose=1, count_flops=True)
    fit = threading.Thread(target=lambda: model.fit(
        x, y, epochs=1, batch_size=32, verbose=0, callbacks=[waiting]))
    fit.start()
    fit.join(GIVE_UP_S)
    assert not fit.is_alive(), "the fit waits for its count forever"
    first.flush()
    assert [s[0] for s in auto_counts.seen] == ["train", "train"]
    assert waiting.summaries()[schema.TRAIN]["flops_per_sample"] > 0
