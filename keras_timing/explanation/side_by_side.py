"""`keras-timing explain --backends tensorflow,jax,torch`: one model on each
backend, side by side.

Keras picks its backend once per process, so each backend runs `python -m
keras_timing explain ... --json` in a process of its own, with
`KERAS_BACKEND` set; the rows are read back from its JSON. A backend that
is not installed, or whose process fails, says why on its row, and the
others go on. The fastest backend per model (lowest train step) is marked.

Example:

>>> parse("jax, torch")
['jax', 'torch']
>>> parse("jax,numpy")
Traceback (most recent call last):
...
ValueError: --backends must be comma-separated names from tensorflow, jax, torch; got 'numpy'
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

from keras_timing import backend as backend_lib

# The package each backend needs, looked up before a process is started.
FRAMEWORK = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
TIMEOUT_S = 1800

LEGEND = (
    "train step: the stages' sum (ms per batch, median); predict step: the "
    "model's own predict_function; ratio: train over predict; stages: the "
    "largest shares of the train step; FLOPs/s: the train step's FLOPs "
    "(the profiler's counter) over its time; n/a where it cannot count")


def parse(text):
    """The backend names of a comma-separated `--backends` value."""
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    for n in names or [text]:
        if n not in backend_lib.BACKENDS:
            raise ValueError("--backends must be comma-separated names from "
                             "%s; got %r" % (", ".join(backend_lib.BACKENDS),
                                             n))
    if len(set(names)) != len(names):
        raise ValueError("--backends names a backend twice: %r" % text)
    return names


def command(backend, argv):
    """The command line that runs `explain argv` (with `--json`)."""
    return [sys.executable, "-m", "keras_timing", "explain"] + list(argv)


def run_backend(backend, argv, timeout=TIMEOUT_S):
    """`{"backend", "error", "results"}` of `explain argv --json` run in a
    process with `KERAS_BACKEND=backend`; `error` says why it gave none."""
    entry = {"backend": backend, "error": None, "results": []}
    if importlib.util.find_spec(FRAMEWORK[backend]) is None:
        entry["error"] = ("not installed: pip install \"keras_timing[%s]\""
                          % backend)
        return entry
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        done = subprocess.run(command(backend, argv), env=env, text=True,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        entry["error"] = "no answer within %d s" % timeout
        return entry
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        entry["error"] = "exit code %d: %s" % (
            done.returncode, lines[-1].strip() if lines else "no message")
        return entry
    try:
        entry["results"] = json.loads(done.stdout)
    except ValueError:
        entry["error"] = "its output was not JSON: %r" % done.stdout[-200:]
    return entry


def compare(backends, argv, timeout=TIMEOUT_S):
    """One entry per backend (see `run_backend`), in the order given; each
    result gets `fastest`: whether its backend has the lowest train step
    for that model among those that ran."""
    entries = [run_backend(b, argv, timeout) for b in backends]
    best = {}
    for e in entries:
        for r in e["results"]:
            ms = r.get("train_step_ms")
            if ms is not None and ms < best.get(r["label"], float("inf")):
                best[r["label"]] = ms
    for e in entries:
        for r in e["results"]:
            r["fastest"] = r.get("train_step_ms") == best.get(r["label"])
    return entries


def table(entries):
    """The side-by-side table, its legend under it."""
    head = ("model", "backend", "train step", "predict step", "ratio",
            "stages", "FLOPs/s", "")
    rows = []
    for e in entries:
        if e["error"] is not None:
            rows.append(("", e["backend"], "failed: " + e["error"]))
        for r in e["results"]:
            rows.append((r["label"], e["backend"], _ms(r["train_step_ms"]),
                         _ms(r["predict_step_ms"]), _ratio(r["ratio"]),
                         _stages(r.get("shares", {})), _flops_per_s(r),
                         "<- fastest" if r["fastest"] else ""))
    full = [head] + [r for r in rows if len(r) == len(head)]
    widths = [max(len(r[i]) for r in full) for i in range(len(head))]
    lines = ["Backends side by side (each in its own process; ms per batch):"]
    for r in [head] + rows:
        cells = [c.ljust(w) if i in (0, 1, 5) else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        if len(r) < len(head):  # a failed backend: its reason runs on
            cells[-1] = r[-1]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines + textwrap.wrap(LEGEND, 78, initial_indent="  ",
                                           subsequent_indent="    "))


def _ms(v):
    return "n/a" if v is None else "%.3f" % v


def _flops_per_s(r):
    flops, ms = r.get("train_flops"), r.get("train_step_ms")
    if not flops or not ms:
        return "n/a"
    return "%.3g GFLOP/s" % (flops / ms / 1e6)


def _ratio(v):
    return "n/a" if v is None else "%.2fx" % v


def _stages(shares, top=3):
    biggest = sorted(((v, k) for k, v in shares.items() if v is not None),
                     reverse=True)[:top]
    return ", ".join("%s %.0f%%" % (k, 100 * v) for v, k in biggest)
