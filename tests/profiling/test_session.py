"""`profiling/session.py`: captures on a schedule, and the process-wide
registry that saves a capture whose owner's call died (an orphan)."""

import os
import threading
import warnings

import keras
import pytest

from keras_timing import backend as backend_lib
from keras_timing.profiling import backends
from keras_timing.profiling.backends.base import Profiler
from keras_timing.profiling.schedule import parse
from keras_timing.profiling.session import Capture
from keras_timing.profiling.session import stop_orphans
from profiling.traces import XPLANE
from profiling.traces import sidecar
from profiling.traces import step_numbers

BACKEND = keras.backend.backend()
needs_profiler = pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                    reason="no profiler on %s" % BACKEND)
# A step cut short: its marker is dropped; xprof then sees no end of it,
# torch's profiler closes open ranges when it stops.
DIED_AT_3 = [2] if XPLANE else [2, 3]


class Owner:
    """What a timer tells a capture: whether its call still runs."""

    def __init__(self):
        self.running = True

    def __call__(self):
        return self.running


def died_at_step_3(tmp_path, step, alive):
    """A capture of steps 2-6 whose call dies inside step 3."""
    capture = Capture(parse((2, 6)), str(tmp_path / "a" / "train"), "train",
                      backends.get(), alive=alive)
    for s in (1, 2, 3):
        capture.begin(s, s)
        step()
    assert capture.active
    return capture


@needs_profiler
def test_a_new_capture_first_saves_an_orphan(tmp_path, step):
    owner = Owner()
    died = died_at_step_3(tmp_path, step, owner)
    owner.running = False
    other = Capture(parse((1, 2)), str(tmp_path / "b" / "predict"),
                    "predict", backends.get(), alive=Owner())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for s in (1, 2, 3):
            other.begin(s, s)
            step()
        other.epoch_end(3)
    assert backends.get().stop() == []     # both captures were saved
    assert not died.active and not other.active
    (saved,) = died.sessions
    meta = sidecar(saved)
    assert (meta["run"], meta["window"], meta["marked_steps"]) == (
        "train", [1, 2, 6], [2])
    assert step_numbers(saved, tmp_path / "r1") == DIED_AT_3
    (second,) = other.sessions
    assert sidecar(second)["marked_steps"] == [1, 2]
    assert step_numbers(second, tmp_path / "r2") == [1, 2]


@needs_profiler
@pytest.mark.parametrize("alive", [None, Owner()], ids=["unknown", "alive"])
def test_a_capture_whose_owner_runs_or_cannot_tell_is_kept(tmp_path, step,
                                                           alive):
    live = died_at_step_3(tmp_path, step, alive)
    assert stop_orphans() == []
    assert live.active
    other = Capture(parse(1), str(tmp_path / "b" / "train"), "train",
                    backends.get())
    with pytest.warns(UserWarning, match="another profiler is running"):
        other.begin(1, 1)
    assert not other.active and live.active
    live.begin(4, 4)
    step()
    live.stop()
    assert sidecar(live.sessions[0])["marked_steps"] == [2, 3, 4]
    assert step_numbers(live.sessions[0], tmp_path / "r") == [2, 3, 4]


@needs_profiler
def test_stop_orphans_from_another_thread(tmp_path, step):
    owner = Owner()
    died = died_at_step_3(tmp_path, step, owner)
    owner.running = False
    saved = []
    writer = threading.Thread(target=lambda: saved.extend(stop_orphans()))
    writer.start()
    writer.join()
    if backends.get().thread_bound:
        # torch's profiler is stopped by the thread that started it.
        assert saved == [] and died.active
        saved = stop_orphans()
    assert saved == died.sessions and len(saved) == 1
    assert backends.get().stop() == []
    assert step_numbers(saved[0], tmp_path / "r") == DIED_AT_3
    # Stopped once: a second look finds nothing, a later stop is a no-op.
    assert stop_orphans() == [] and died.stop() == []


class FakeProfiler(Profiler):
    """A profiler of its own (not the framework's), for the registry."""

    name = "fake"

    def __init__(self, fail=False):
        super().__init__()
        self.fail = fail

    def _begin(self, logdir):
        pass

    def _end(self, logdir):
        if self.fail:
            raise OSError("disk full")
        open(os.path.join(logdir, "host.fake"), "w").close()

    def open_step(self, name, step_num):
        return _Handle()


class _Handle:
    def __exit__(self, *exc):
        return False


def test_one_failing_orphan_warns_and_the_others_are_saved(tmp_path):
    owner = Owner()
    broken = Capture(parse((2, 3)), str(tmp_path / "x"), "train",
                     FakeProfiler(fail=True), alive=owner)
    fine = Capture(parse((2, 3)), str(tmp_path / "y"), "train",
                   FakeProfiler(), alive=owner)
    for capture in (broken, fine):
        for s in (1, 2, 3):
            capture.begin(s, s)
    owner.running = False
    with pytest.warns(UserWarning, match="could not be saved.*disk full"):
        saved = stop_orphans()
    assert saved == fine.sessions
    assert sorted(os.listdir(saved[0])) == ["host.fake",
                                            "keras_timing_capture.json"]
    assert sidecar(saved[0])["marked_steps"] == [2]
    # Neither is left registered: a failed save is not tried again.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stop_orphans() == []
    assert broken.sessions == []
    # Its profiler is free: a new capture starts and saves.
    broken.profiler.fail = False
    broken.profiler.start(str(tmp_path / "z"))
    assert broken.profiler.stop() == [str(tmp_path / "z" / "host.fake")]


def test_slow_step_trigger_is_written_to_the_sidecar(tmp_path):
    capture = Capture(None, str(tmp_path / "train"), "train", FakeProfiler())
    capture.trigger(parse((5, 7)).window(4, 4),
                    {"slow_step": 3, "interval_ms": 41.5})
    for s in range(1, 10):
        capture.begin(s, s)
    (saved,) = capture.sessions
    meta = sidecar(saved)
    assert meta["trigger"] == {"slow_step": 3, "interval_ms": 41.5}
    assert (meta["window"], meta["marked_steps"]) == ([4, 5, 7], [5, 6, 7])


class SometimesBusy(FakeProfiler):
    """Another profiler runs at the steps in `busy_at` (set by the test
    before each begin): `start` then refuses, as TensorFlow's does."""

    def __init__(self):
        super().__init__()
        self.other = False

    def _busy(self):
        return self.other


def _run(capture, profiler, steps, busy_steps):
    """Begins each step; returns the steps whose begin held profiler work."""
    held = []
    for s in steps:
        profiler.other = s in busy_steps
        if capture.begin(s, s):
            held.append(s)
    capture.stop()
    return held


def test_begin_says_which_steps_hold_the_profilers_work(tmp_path):
    profiler = SometimesBusy()
    capture = Capture(parse((5, 7)), str(tmp_path / "train"), "train",
                      profiler)
    # Started at 4 (one early), markers 5-7, stopped at the begin of 8.
    assert _run(capture, profiler, range(1, 12), ()) == [4, 5, 6, 7, 8]
    (saved,) = capture.sessions
    assert sidecar(saved)["marked_steps"] == [5, 6, 7]


def test_an_early_start_that_finds_another_profiler_tries_again(tmp_path):
    # keras.callbacks.TensorBoard(profile_batch=(2, 4)) still runs at the
    # begin of step 4, where the (5, 7) window would start.
    profiler = SometimesBusy()
    capture = Capture(parse((5, 7)), str(tmp_path / "train"), "train",
                      profiler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        held = _run(capture, profiler, range(1, 12), {2, 3, 4})
    assert held == [5, 6, 7, 8]
    (saved,) = capture.sessions
    assert sidecar(saved)["marked_steps"] == [5, 6, 7]
    # The refused start left no session folder behind.
    root = os.path.dirname(saved)
    assert os.listdir(root) == [os.path.basename(saved)]


def test_a_window_whose_first_step_finds_another_profiler_is_skipped(
        tmp_path):
    profiler = SometimesBusy()
    capture = Capture(parse([(3, 4), (8, 9)]), str(tmp_path / "train"),
                      "train", profiler)
    with pytest.warns(UserWarning, match="another profiler is running.*"
                      "steps 3-4 is skipped"):
        held = _run(capture, profiler, range(1, 12), {2, 3})
    # The skipped window holds nothing; the next one is captured.
    assert held == [7, 8, 9, 10]
    (saved,) = capture.sessions
    assert sidecar(saved)["marked_steps"] == [8, 9]
