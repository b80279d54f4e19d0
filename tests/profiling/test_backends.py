"""Profiler captures of the current backend (`profiling/backends/`), read
back from the files they wrote."""

import os
import shutil

import keras
import pytest

from keras_timing import backend as backend_lib
from keras_timing.profiling import backends
from keras_timing.profiling.backends import ProfilerBusy
from keras_timing.profiling.backends.base import Profiler
from profiling.traces import XPLANE
from profiling.traces import overview
from profiling.traces import overview_steps
from profiling.traces import torch_steps

BACKEND = keras.backend.backend()

pytestmark = pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                reason="no profiler on %s" % BACKEND)


@pytest.fixture(scope="module")
def profiler():
    module = backends.get()
    assert module.warmup()
    return module


def captured_steps(profiler, paths, scratch):
    """The marked steps one capture's files hold, and its main file."""
    main = [p for p in paths if p.endswith(profiler.trace_suffix)]
    assert len(main) == 1, paths
    if XPLANE:
        return [n for _, n in overview_steps(overview(main[0], scratch))], \
            main[0]
    return torch_steps(main[0]), main[0]


def capture(profiler, run, session_dir, window, steps=8, name="train"):
    """Runs `steps` steps, profiling window=(start, first, last) like the
    callback: start at the begin of `start`, mark first..last, stop after
    `last`. Returns the paths written."""
    start, first, last = window
    paths = None
    for s in range(1, steps + 1):
        if s == start:
            profiler.start(session_dir)
        marker = profiler.open_step(name, s) if first <= s <= last else None
        run()
        if marker is not None:
            profiler.close_step(marker)
        if s == last:
            paths = profiler.stop()
    return paths


# ---- picking the backend ----------------------------------------------------


def test_get_picks_the_keras_backend(profiler):
    assert backends.get() is profiler
    assert isinstance(profiler, Profiler)
    assert profiler.name == BACKEND
    assert type(profiler).__module__ == (
        "keras_timing.profiling.backends." + BACKEND)
    assert profiler.trace_suffix == (".xplane.pb" if XPLANE
                                     else ".pt.trace.json")


def test_get_refuses_backends_without_profiler():
    with pytest.raises(ValueError, match="numpy"):
        backends.get("numpy")


# ---- captures ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["train", "predict"])
def test_overview_has_exactly_the_marked_steps(profiler, step, tmp_path,
                                               name):
    session = tmp_path / name / "plugins" / "profile" / "s1"
    paths = capture(profiler, step, session, (2, 3, 5), name=name)
    assert profiler.stop() == []       # none of ours left running
    assert paths and all(os.path.dirname(p) == str(session) for p in paths)
    assert all(os.path.getsize(p) > 0 for p in paths)
    # Only the trace files: the scratch folder is gone.
    assert sorted(os.listdir(session)) == sorted(
        os.path.basename(p) for p in paths)
    steps, main = captured_steps(profiler, paths, tmp_path / "read")
    assert steps == [3, 4, 5]
    assert os.path.basename(main) == (backends.host_name()
                                      + profiler.trace_suffix)
    if XPLANE:
        names = {n for n, _ in overview_steps(overview(main,
                                                       tmp_path / "read2"))}
        assert names == {name}


def test_two_captures_back_to_back_get_two_sessions(profiler, step,
                                                    tmp_path):
    run_dir = tmp_path / "train"
    sessions, results = [], []
    for k in (1, 2):
        session = backends.new_session_dir(run_dir)
        sessions.append(session)
        # Step k + 1 marked, started one step early.
        results.append(capture(profiler, step, session, (k, k + 1, k + 1),
                               steps=k + 1))
    assert len(set(sessions)) == 2
    assert sorted(os.listdir(run_dir / "plugins" / "profile")) == sorted(
        os.path.basename(s) for s in sessions)
    for k, (session, paths) in enumerate(zip(sessions, results), start=1):
        assert all(os.path.dirname(p) == session for p in paths)
        steps, _ = captured_steps(profiler, paths, tmp_path / ("read%d" % k))
        assert steps == [k + 1]


def test_new_session_dir_is_unique(tmp_path):
    made = [backends.new_session_dir(tmp_path) for _ in range(50)]
    assert len(set(made)) == 50
    assert all(os.path.isdir(p) for p in made)
    assert all(os.path.dirname(p) == str(tmp_path / "plugins" / "profile")
               for p in made)


def _other_profiler(logdir):
    """Starts the framework's profiler as another tool would; returns a
    function that stops it and returns what it saved."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tf.profiler.experimental.start(str(logdir))

        def stop():
            tf.profiler.experimental.stop()
            return [str(p) for p in logdir.rglob("*.xplane.pb")]
    elif BACKEND == "jax":
        import jax

        jax.profiler.start_trace(str(logdir))

        def stop():
            jax.profiler.stop_trace()
            return [str(p) for p in logdir.rglob("*.xplane.pb")]
    else:
        import torch

        prof = torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU])
        prof.start()

        def stop():
            prof.stop()
            os.makedirs(logdir, exist_ok=True)
            path = str(logdir / "other.pt.trace.json")
            prof.export_chrome_trace(path)
            return [path]
    return stop


def test_busy_profiler_is_left_running(profiler, step, tmp_path):
    stop_other = _other_profiler(tmp_path / "other")
    try:
        session = tmp_path / "train" / "plugins" / "profile" / "s1"
        with pytest.raises(ProfilerBusy):
            profiler.start(session)
        assert not session.exists()
        assert profiler.stop() == []       # none of ours was started
        assert not profiler.warmup()
        marker = profiler.open_step("train", 7)
        step()
        profiler.close_step(marker)
    finally:
        saved = stop_other()
    assert len(saved) == 1 and os.path.getsize(saved[0]) > 0
    if XPLANE:
        page = overview(saved[0], tmp_path / "read")
        assert [n for _, n in overview_steps(page)] == [7]
    else:
        assert torch_steps(saved[0]) == [7]


def test_second_start_of_ours_is_busy(profiler, step, tmp_path):
    first = tmp_path / "a"
    profiler.start(first)
    try:
        with pytest.raises(ProfilerBusy):
            profiler.start(tmp_path / "b")
        # The first capture goes on: its trace holds step 1 (below).
        assert not (tmp_path / "b").exists()
        assert not profiler.warmup()
        marker = profiler.open_step("train", 1)
        step()
        profiler.close_step(marker)
    finally:
        paths = profiler.stop()
    assert captured_steps(profiler, paths, tmp_path / "read")[0] == [1]


def test_exception_inside_window_then_stop_frees_the_profiler(
        profiler, step, tmp_path):
    profiler.start(tmp_path / "s1")
    try:
        profiler.open_step("train", 1)
        step()
        # The step's end never comes: its marker is left open.
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    finally:
        assert profiler.stop()
    assert profiler.stop() == []
    # A new capture starts (not ProfilerBusy) and marks its steps.
    paths = capture(profiler, step, tmp_path / "s2", (1, 2, 3), steps=3)
    assert captured_steps(profiler, paths, tmp_path / "read")[0] == [2, 3]


def test_failed_save_leaves_no_profiler_running(profiler, step, tmp_path):
    session = tmp_path / "s1"
    profiler.start(session)
    step()
    # Make the save fail: the folder it writes into becomes a file.
    scratch = profiler._capture.scratch
    shutil.rmtree(scratch)
    open(scratch, "w").close()
    with pytest.raises(Exception) as info:
        profiler.stop()
    assert not isinstance(info.value, AssertionError)
    assert profiler.stop() == []
    # Nothing half-written is left for the Profile tab to list.
    assert not session.exists()
    paths = capture(profiler, step, tmp_path / "s2", (1, 2, 2), steps=2)
    assert captured_steps(profiler, paths, tmp_path / "read")[0] == [2]


def test_start_refuses_a_used_session_dir(profiler, tmp_path):
    (tmp_path / "old.xplane.pb").write_bytes(b"x")
    with pytest.raises(FileExistsError, match="new or empty"):
        profiler.start(tmp_path)
    assert profiler.stop() == []
    assert os.listdir(tmp_path) == ["old.xplane.pb"]
    assert (tmp_path / "old.xplane.pb").read_bytes() == b"x"


def test_stop_without_start_is_a_no_op(profiler):
    assert profiler.stop() == []


# ---- warm-up, once a process ------------------------------------------------


def test_warm_up_counts_only_a_warm_up_that_happened(profiler, step,
                                                     tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "_warmed_up", set())
    done = []
    real = profiler.warmup
    monkeypatch.setattr(profiler, "warmup",
                        lambda: done.append(real()) or done[-1])
    stop_other = _other_profiler(tmp_path / "other")
    try:
        assert backends.warm_up(profiler) is False
    finally:
        stop_other()
    # The failed warm-up is not counted: the next call warms up, once.
    assert backends.warm_up(profiler) is True
    assert backends.warm_up(profiler) is True
    assert done == [False, True]


@pytest.mark.skipif(BACKEND != "torch", reason="Kineto is torch's")
def test_torch_start_and_stop_print_no_kineto_lines(profiler, step,
                                                    tmp_path, capfd):
    capture(profiler, step, tmp_path / "s1", (1, 1, 1), steps=1)
    out, err = capfd.readouterr()
    assert "profiler_start" not in out + err
    assert "profiler_stop" not in out + err
