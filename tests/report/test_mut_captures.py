"""Profiler captures on disk (`report.captures`), in session folders made
by hand as the timer leaves them: which are found, in what order, with
which steps, size and viewer; what is skipped. No Keras, no profiler run
(an `.xplane.pb` here is an empty XSpace: xprof reads it as no steps)."""

import json
import os
import tempfile

import pytest

from keras_timing import schema
from keras_timing.report import captures


def _session(run_dir, root, name, trace=None, sidecar=None, size=0):
    folder = os.path.join(run_dir, root, name)
    os.makedirs(folder)
    if trace:
        with open(os.path.join(folder, trace), "wb") as f:
            f.write(b"\0" * size)
    if sidecar is not None:
        with open(os.path.join(folder, schema.SIDECAR), "w") as f:
            f.write(sidecar if isinstance(sidecar, str)
                    else json.dumps(sidecar))
    return folder


XPLANE = os.path.join("plugins", "profile")


def test_sessions_of_both_roots_by_name_with_steps_size_and_viewer(
        tmp_path):
    run = str(tmp_path / "train")
    a = _session(run, "torch_traces", "2024_01_02", "h.pt.trace.json",
                 {"marked_steps": [14, 12, 13]}, size=1500)
    b = _session(run, XPLANE, "2024_01_01", "host.xplane.pb",
                 {"marked_steps": [5]})
    c = _session(run, XPLANE, "2024_01_03", "x.xplane.pb", {})
    found = captures.find_captures(run)
    assert found == [
        {"session": "2024_01_01", "file": os.path.join(b, "host.xplane.pb"),
         "bytes": 0, "steps": [5, 5], "open_in": "TensorBoard's Profile tab"},
        {"session": "2024_01_02", "file": os.path.join(a, "h.pt.trace.json"),
         "bytes": 1500, "steps": [12, 14],
         "open_in": "https://ui.perfetto.dev or chrome://tracing"},
        {"session": "2024_01_03", "file": os.path.join(c, "x.xplane.pb"),
         "bytes": 0, "steps": None, "open_in": "TensorBoard's Profile tab"}]


def test_a_session_without_a_trace_or_a_stray_file_is_skipped(tmp_path):
    run = str(tmp_path / "train")
    _session(run, XPLANE, "s1", "notes.txt", {"marked_steps": [1]})
    _session(run, XPLANE, "s2")
    with open(os.path.join(run, XPLANE, "stray.xplane.pb"), "w"):
        pass
    assert captures.find_captures(run) == []
    assert captures.find_captures(str(tmp_path / "none")) == []


def test_the_first_trace_of_a_session_by_name(tmp_path):
    run = str(tmp_path / "train")
    folder = _session(run, XPLANE, "s", "b.xplane.pb")
    for name in ("a.pt.trace.json", "c.xplane.pb", "0.txt"):
        with open(os.path.join(folder, name), "w"):
            pass
    (found,) = captures.find_captures(run)
    assert found["file"] == os.path.join(folder, "a.pt.trace.json")


@pytest.mark.parametrize("sidecar", ["{not json", "", {"marked_steps": []},
                                     {"marked_steps": None}, {}])
def test_an_unreadable_or_empty_sidecar_gives_unknown_steps(tmp_path,
                                                            sidecar):
    run = str(tmp_path / "train")
    _session(run, "torch_traces", "s", "t.pt.trace.json", sidecar)
    (found,) = captures.find_captures(run)
    assert found["steps"] is None


def test_a_missing_sidecar_gives_unknown_steps(tmp_path):
    run = str(tmp_path / "train")
    _session(run, "torch_traces", "s", "t.pt.trace.json")
    assert captures.find_captures(run)[0]["steps"] is None


@pytest.mark.parametrize("path, where", [
    ("a/b.xplane.pb", "TensorBoard's Profile tab"),
    ("a/b.pt.trace.json", "https://ui.perfetto.dev or chrome://tracing"),
    ("a/b.xplane.pb.gz", None), ("a/b.json", None), ("", None)])
def test_open_in(path, where):
    assert captures.open_in(path) == where


def test_list_captures_reads_xplane_steps_and_leaves_no_scratch(
        tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run = str(tmp_path / "train")
    x = _session(run, XPLANE, "s1", "t.xplane.pb", {"marked_steps": [2]})
    _session(run, "torch_traces", "s2", "t.pt.trace.json")
    found = captures.list_captures(run, [])
    # The empty XSpace has no step table: no steps, but a list for them.
    assert found[0]["step_ms"] == [] and found[0]["steps"] == [2, 2]
    assert "step_ms" not in found[1]
    # The converter's cache files went to a scratch copy, now removed.
    assert os.listdir(str(scratch)) == []
    assert sorted(os.listdir(x)) == [schema.SIDECAR, "t.xplane.pb"]
    assert captures.profiler_step_ms(os.path.join(x, "t.xplane.pb")) == {}
    assert captures.list_captures(str(tmp_path / "none"), []) == []


def test_a_stray_file_or_an_empty_session_first_hides_no_later_one(
        tmp_path):
    run = str(tmp_path / "train")
    os.makedirs(os.path.join(run, XPLANE))
    with open(os.path.join(run, XPLANE, "0_stray"), "w"):
        pass
    _session(run, XPLANE, "1_empty")
    _session(run, XPLANE, "2_found", "t.xplane.pb")
    assert [c["session"] for c in captures.find_captures(run)] == [
        "2_found"]
