"""Profiler captures on disk: where they are, what they hold.

A capture is a session folder with the trace file and the
`keras_timing_capture.json` the timer writes beside it:
`<run>/plugins/profile/<session>/` for `.xplane.pb` traces (TensorFlow,
JAX), which TensorBoard's Profile tab opens, and
`<run>/torch_traces/<session>/` for torch's `.pt.trace.json`, which it
cannot read (Perfetto and chrome://tracing can). Per-step times of an
`.xplane.pb` come from xprof's own converter (the overview page's step
table), when xprof is installed.
"""

import json
import math
import os
import shutil
import tempfile
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Sequence

from keras_timing import schema
from keras_timing.analysis.steps import StepTime
from keras_timing.report import console


# Where sessions are, under a run folder; the second must match
# `TorchProfiler.session_folder` (profiling/backends/torch.py), which this
# module does not import: the report imports no framework.
SESSION_ROOTS = (os.path.join("plugins", "profile"), "torch_traces")

# Where each kind of trace opens.
OPEN_IN = {".xplane.pb": "TensorBoard's Profile tab",
           ".pt.trace.json": "https://ui.perfetto.dev or chrome://tracing"}


def open_in(path: str) -> Optional[str]:
    """Where the trace at `path` can be opened, or None if unknown.

    >>> open_in("train/torch_traces/s1/host.pt.trace.json")
    'https://ui.perfetto.dev or chrome://tracing'
    """
    for suffix, where in OPEN_IN.items():
        if path.endswith(suffix):
            return where
    return None


def _session_folders(run_dir):
    """(session name, folder) of every session under `run_dir`, by name
    (the time it started)."""
    found = []
    for root in SESSION_ROOTS:
        root = os.path.join(run_dir, root)
        if os.path.isdir(root):
            found += [(s, os.path.join(root, s)) for s in os.listdir(root)]
    return sorted(found)


def find_captures(run_dir: str) -> List[Dict[str, Any]]:
    """Captures of one run folder, oldest first, as dicts with `session`,
    `file`, `bytes`, `steps` (first and last marked, or None) and
    `open_in` (where the trace opens, `open_in()`)."""
    out = []
    for session, folder in _session_folders(run_dir):
        if not os.path.isdir(folder):
            continue
        try:
            with open(os.path.join(folder, schema.SIDECAR)) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {}
        traces = [n for n in sorted(os.listdir(folder))
                  if n.endswith(schema.TRACE_SUFFIXES)]
        if not traces:
            continue
        path = os.path.join(folder, traces[0])
        marked = meta.get("marked_steps") or []
        out.append({
            "session": session,
            "file": path,
            "bytes": os.path.getsize(path),
            "steps": [min(marked), max(marked)] if marked else None,
            "open_in": open_in(path),
        })
    return out


def profiler_step_ms(xplane: str) -> Optional[Dict[int, float]]:
    """`{step: ms}` the profiler measured, or None without xprof."""
    try:
        from xprof.convert import raw_to_tool_data
    except ImportError:
        return None
    scratch = tempfile.mkdtemp(prefix="keras_timing_xprof_")
    try:
        # The converter writes cache files beside its input.
        copy = shutil.copy(xplane, scratch)
        # The converter logs a block of C++ INFO lines per call.
        with console.cpp_logs_dropped():
            data, _ = raw_to_tool_data.xspace_to_tool_data(
                [copy], "overview_page", {})
        page = json.loads(data) if data else []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    steps = {}
    for table in page:
        cols = [c.get("id") for c in table.get("cols", [])]
        if cols[:1] == ["stepnum"] and "stepTimeMs" in cols:
            at = cols.index("stepTimeMs")
            for row in table.get("rows", []):
                step = int(row["c"][0]["v"].rsplit(" ", 1)[1])
                steps[step] = float(row["c"][at]["v"])
    return steps


def list_captures(run_dir: str, times: Sequence[StepTime]
                  ) -> List[Dict[str, Any]]:
    """The run's captures, each with the profiler's and the timer's times
    of its steps (xplane traces, when xprof is installed).

    Args:
        run_dir: A run folder.
        times: The run's points (`StepTime`s), for the timer's side.

    >>> list_captures("/no/such/run", [])
    []
    """
    batch_ms = {t.last_step: t.batch_ms for t in times}
    found = find_captures(run_dir)
    for capture in found:
        if capture["file"].endswith(".xplane.pb"):
            measured = profiler_step_ms(capture["file"])
            if measured is not None:
                capture["step_ms"] = [
                    {"step": step, "profiler_ms": ms,
                     "timer_batch_ms": batch_ms.get(step, math.nan)}
                    for step, ms in sorted(measured.items())]
    return found
