"""Where captures go, read back with TensorBoard's own profile plugin: it
lists the sessions it can open (TensorFlow, JAX) and never a torch trace,
which it cannot read ("No profile data was found")."""

import os
import types

import keras
import pytest

from keras_timing import FitPredictTimer
from keras_timing import backend as backend_lib
from keras_timing import demo
from keras_timing import schema
from keras_timing.profiling import backends
from keras_timing.profiling.session import new_session
from keras_timing.report import captures
from profiling.traces import XPLANE
from profiling.traces import sidecar
from profiling.traces import step_numbers

BACKEND = keras.backend.backend()

pytestmark = pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                reason="no profiler on %s" % BACKEND)


def profile_tab_sessions(log_dir):
    """The sessions TensorBoard's Profile tab lists for `log_dir`, from the
    plugin's own listing (`ProfilePlugin.generate_runs`), no server."""
    from xprof import profile_plugin

    context = types.SimpleNamespace(
        logdir=str(log_dir), data_provider=None,
        flags=types.SimpleNamespace(master_tpu_unsecure_channel=""))
    return sorted(profile_plugin.ProfilePlugin(context).generate_runs())


def test_profile_tab_lists_only_captures_it_can_read(tmp_path):
    model, x, y = demo.dense_example(keras, samples=160)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(2, 3))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    (session,) = timer.profile_sessions
    run_dir = os.path.join(timer.launch_dir, schema.TRAIN)
    listed = profile_tab_sessions(tmp_path)
    if XPLANE:
        assert os.path.dirname(session) == os.path.join(run_dir, "plugins",
                                                        "profile")
        assert listed == [os.path.relpath(
            os.path.join(run_dir, os.path.basename(session)), tmp_path)]
    else:
        assert os.path.dirname(session) == os.path.join(run_dir,
                                                        "torch_traces")
        assert listed == []
        # No empty Profile-tab folder is left behind either.
        assert not os.path.exists(os.path.join(run_dir, "plugins"))
    # The capture holds its steps, with the sidecar beside the trace.
    assert step_numbers(session, tmp_path / "read") == [2, 3]
    assert sidecar(session)["marked_steps"] == [2, 3]
    # The report finds it where it is, and says where it opens.
    (found,) = captures.find_captures(run_dir)
    assert found["file"] == os.path.join(
        session, backends.host_name() + backends.get().trace_suffix)
    assert found["steps"] == [2, 3]
    assert found["open_in"] == (
        "TensorBoard's Profile tab" if XPLANE
        else "https://ui.perfetto.dev or chrome://tracing")


def test_report_looks_where_torch_writes():
    if BACKEND != "torch":
        pytest.skip("the torch profiler is imported on torch only")
    assert os.path.join(*captures.SESSION_ROOTS[1:]) == (
        backends.get().session_folder)


def test_new_session_is_unique_and_in_the_profilers_folder(tmp_path):
    profiler = backends.get()
    made = [new_session(tmp_path, profiler) for _ in range(50)]
    assert len(set(made)) == 50
    assert all(os.path.isdir(p) and not os.listdir(p) for p in made)
    folder = getattr(profiler, "session_folder", None)
    expected = (os.path.join("plugins", "profile") if folder is None
                else folder)
    assert {os.path.relpath(os.path.dirname(p), tmp_path)
            for p in made} == {expected}
    assert sorted(os.listdir(tmp_path)) == [expected.split(os.sep)[0]]


def test_find_captures_reads_both_folders_oldest_first(tmp_path):
    # A log dir written before torch sessions moved, and one after: the
    # report lists both, by session name (the time each started).
    old = tmp_path / "plugins" / "profile" / "2024_01_01_00_00_00_000001"
    new = tmp_path / "torch_traces" / "2024_01_01_00_00_01_000001"
    for folder, name in ((old, "h.pt.trace.json"), (new, "h.xplane.pb")):
        folder.mkdir(parents=True)
        (folder / name).write_bytes(b"x" * len(str(folder)))
    (tmp_path / "torch_traces" / "stray.txt").write_text("not a session")
    found = captures.find_captures(str(tmp_path))
    assert [(c["session"], c["file"], c["bytes"]) for c in found] == [
        (old.name, str(old / "h.pt.trace.json"), len(str(old))),
        (new.name, str(new / "h.xplane.pb"), len(str(new)))]
    assert [c["open_in"] for c in found] == [
        "https://ui.perfetto.dev or chrome://tracing",
        "TensorBoard's Profile tab"]
