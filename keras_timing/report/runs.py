"""Run folders of a log folder, read back: the points and the timer's own
summary scalars of each, and the damaged event files.

The folder is walked once and each event file read once (`scan`); the
report and the damage check both use the one `Scan`.
"""

import os
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple
from typing import Union

from keras_timing import schema
from keras_timing.events import reader
from keras_timing.analysis.figures import MEASURED
from keras_timing.analysis.figures import SUMMARY
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime

_FIELDS = {f.name: f for f in SUMMARY}

# One run folder read: (launch, run, worker, path, times, summary, calls).
RunFolder = Tuple[str, str, Optional[str], str, List[StepTime],
                  Dict[str, Any], List[Tuple[float, float]]]


class ReportError(Exception):
    """The folder holds nothing this report can read."""


class Scan:
    """What one walk of a log folder found.

    Args:
        log_dir: The folder that was walked.
        runs: `(launch, run, worker, path, times, summary, calls)` per
            folder of event files that is a run (`run` is the folder's
            name, `worker` None) or a non-chief worker's `<run>/worker_<k>`;
            see `load_run`; `calls` is `[(call_ms, outside_steps_ms)]`.
        damaged: `(path, reason)` of each truncated or corrupt event file.
    """

    def __init__(self, log_dir: str, runs: List[RunFolder],
                 damaged: List[Tuple[str, str]]):
        self.log_dir = log_dir
        self.runs = runs
        self.damaged = damaged


def _launch_name(folder, log_dir):
    """A launch folder's name relative to `log_dir`; its own name where
    `log_dir` is the launch folder itself (not ".")."""
    name = os.path.relpath(folder, log_dir)
    return os.path.basename(os.path.abspath(log_dir)) if name == "." else name


def run_folders(log_dir: str) -> List[Tuple[str, str, Optional[str], str]]:
    """`(launch, run, worker, folder)` of every run folder under `log_dir`
    (`worker` is None, or `worker_<k>` for a non-chief worker's points).

    Args:
        log_dir: A log folder or one launch folder.

    >>> run_folders("/no/such/folder")
    []
    """
    found: List[Tuple[str, str, Optional[str], str]] = []
    for folder, dirs, files in os.walk(log_dir):
        dirs.sort()
        if "plugins" in dirs:
            dirs.remove("plugins")
        if not any("tfevents" in f for f in files):
            continue
        name, parent = os.path.basename(folder), os.path.dirname(folder)
        suffix = name[len(schema.WORKER_PREFIX):]
        if schema.base_run(name):
            found.append((_launch_name(parent, log_dir), name, None, folder))
        elif (name.startswith(schema.WORKER_PREFIX) and suffix.isdigit()
              and schema.base_run(os.path.basename(parent))):
            launch = _launch_name(os.path.dirname(parent), log_dir)
            found.append((launch, os.path.basename(parent), name, folder))
    return found


def scan(log_dir: str) -> "Scan":
    """Walks `log_dir` once and reads every run folder in it.

    Args:
        log_dir: A folder the timer wrote into (its `log_dir`).

    Raises:
        ReportError: `log_dir` is missing or not a folder.

    >>> scan("/no/such/folder")
    Traceback (most recent call last):
    ...
    keras_timing.report.runs.ReportError: no such folder: /no/such/folder
    """
    if not os.path.exists(log_dir):
        raise ReportError("no such folder: %s" % log_dir)
    if not os.path.isdir(log_dir):
        raise ReportError("not a folder: %s" % log_dir)
    runs, damaged = [], []
    for launch, run, worker, path in run_folders(log_dir):
        times, summary, calls, bad = _load(path)
        runs.append((launch, run, worker, path, times, summary, calls))
        damaged += bad
    return Scan(log_dir, runs, damaged)


def _load(path):
    scalars, damaged = reader.read_scalars(path)
    # The path is said once, beside the reason.
    damaged = [(p, reason.replace(p, "the file")) for p, reason in damaged]
    summary = {}
    for tag, events in scalars.items():
        key = tag[len(schema.SUMMARY_SCALARS):]
        field = _FIELDS.get(key)
        if tag.startswith(schema.SUMMARY_SCALARS) and field is not None:
            value = events[-1].value
            summary[key] = int(value) if field.unit == "count" else value
    calls = [(c.value, o.value) for c, o in zip(
        scalars.get(schema.CALL_MS, ()),
        scalars.get(schema.OUTSIDE_STEPS_MS, ()))]
    if schema.BATCH_MS not in scalars:
        return [], summary, calls, damaged

    def series(tag):
        return {e.step: e.value for e in scalars.get(tag, ())}

    wait = series(schema.INPUT_WAIT_MS)
    steps = series(schema.STEPS)
    rate = series(schema.SAMPLES_PER_SEC)
    kinds = {k: series(k.tag) for k in StepKind}
    first = kinds[StepKind.FIRST]
    # Each point's kind, the first StepKind that has it: one look-up per
    # point (a million steps' report reads tens of thousands of points).
    kind_at = {}
    for k in reversed(StepKind):
        kind_at.update(dict.fromkeys(kinds[k], k))
    epoch_start = series(schema.EPOCH_START_MS)
    measured = {f.name: series(f.tag) for f in MEASURED}
    times = []
    for e in sorted(scalars[schema.BATCH_MS], key=lambda e: e.step):
        # A point stands for `n` steps (decimated, or steps_per_execution),
        # its times per step and its rate over all of them.
        n = int(steps.get(e.step, 1))
        w = wait.get(e.step, 0.0)
        samples = None
        if e.step in rate:
            samples = round(rate[e.step] * (e.value + w) * n / 1e3)
        kind = kind_at.get(e.step)
        times.append(StepTime(e.step - n + 1, e.step, e.value, w,
                              e.wall_time, kind, samples,
                              epoch_start.get(e.step, 0.0),
                              opens=e.step in epoch_start or e.step in first,
                              values={k: v[e.step] for k, v in measured.items()
                                      if e.step in v} or None))
    return times, summary, calls, damaged


def load_run(path: str) -> Tuple[List[StepTime], Dict[str, Any]]:
    """A run folder's points as `StepTime`s in step order, and the timer's
    last end-of-call summary scalars (`{}` if it wrote none).

    Args:
        path: A run folder, e.g. `logs/<launch>/train`.

    >>> load_run("/no/such/run")
    ([], {})
    """
    return _load(path)[:2]


def read_run(path: str) -> List[StepTime]:
    """The run's points as `StepTime`s, in step order.

    >>> read_run("/no/such/run")
    []
    """
    return _load(path)[0]


def damaged_files(log_dir: Union[str, "Scan"]) -> List[Tuple[str, str]]:
    """`(path, reason)` of every truncated or corrupt event file of the
    timer's run folders (chief and workers) under `log_dir`.

    Args:
        log_dir: A folder, or the `Scan` of one (then nothing is read again).

    >>> damaged_files("/no/such/folder")
    []
    """
    if isinstance(log_dir, Scan):
        return list(log_dir.damaged)
    if not os.path.isdir(log_dir):
        return []
    return scan(log_dir).damaged
