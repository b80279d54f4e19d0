"""Read timing event files back: per-run summaries, as text or JSON.

`runs` walks the log folder once and reads each event file once (with a C
CRC32C, no TensorFlow); the figures are computed by the same `RunStats` the
callback uses, so the report and the console summary agree. Where the timer
wrote its end-of-call summary scalars (computed from every step, even where
the points were decimated) they replace what is rebuilt from the points;
a run that died before its end has only the rebuilt figures. Each run gets
its `verdict` (see `keras_timing.analysis.verdict`).

    >>> report("/no/such/folder")
    Traceback (most recent call last):
    ...
    keras_timing.report.runs.ReportError: no such folder: /no/such/folder
"""

import math
import os
from typing import Any
from typing import Dict
from typing import List
from typing import Union

from keras_timing import schema
from keras_timing.report.captures import list_captures
from keras_timing.report.runs import ReportError
from keras_timing.report.runs import Scan
from keras_timing.report.runs import damaged_files
from keras_timing.report.runs import load_run
from keras_timing.report.runs import read_run
from keras_timing.report.runs import scan
from keras_timing.report.text import to_json_ready
from keras_timing.report.text import to_text
from keras_timing.report.workers import worker_spread
from keras_timing.analysis import fit_predict as ratio_lib
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.verdict import verdict

__all__ = ["report", "scan", "Scan", "ReportError", "damaged_files",
           "load_run", "read_run", "worker_spread", "to_text",
           "to_json_ready", "list_captures"]


def report(log_dir: Union[str, Scan]) -> List[Dict[str, Any]]:
    """Summaries per launch: `[{"launch", "runs": {run: summary}, ...}]`.

    Args:
        log_dir: A folder the timer wrote into, or its `scan(log_dir)`.

    Raises:
        ReportError: no folder there, or no timer runs in it.
    """
    scanned = log_dir if isinstance(log_dir, Scan) else scan(log_dir)
    # Per launch, then run (`by_worker`: per (launch, run), then worker).
    launches: dict[str, dict[str, dict]] = {}
    captures: dict[str, dict[str, list]] = {}
    chief_times: dict[tuple[str, str], list] = {}
    by_worker: dict[tuple[str, str], dict[str, list]] = {}
    # The points of the ratio interval.
    run_stats: dict[str, dict[str, RunStats]] = {}
    # A run with a damaged event file holds only what was read before the
    # damage: its figures are marked partial, and so is a ratio over it.
    cut = {os.path.dirname(p) for p, _ in scanned.damaged}
    for launch, run, worker, path, times, written, calls in scanned.runs:
        if worker is not None or not times:
            continue
        chief_times[launch, run] = times
        # The points are read as written: no second decimation.
        stats = RunStats(run, full_steps=math.inf)
        # Folded only: the report reads the points written, it makes none.
        stats.fold(times)
        for call_ms, outside_ms in calls:
            stats.add_call(call_ms, outside_ms)
        summary = stats.summary()
        summary.update(written)
        summary["samples_scope"] = ("global" if summary["samples_global"]
                                    else "process")
        run_stats.setdefault(launch, {})[run] = stats
        summary["partial"] = path in cut
        launches.setdefault(launch, {})[run] = summary
        found = list_captures(path, times)
        if found:
            captures.setdefault(launch, {})[run] = found
    for launch, run, worker, path, times, _, _ in scanned.runs:
        if worker is None:
            continue
        found = list_captures(path, times)
        if found:
            captures.setdefault(launch, {})["%s/%s" % (run, worker)] = found
        if times and (launch, run) in chief_times:
            by_worker.setdefault((launch, run), {
                schema.WORKER_PREFIX + "0": chief_times[launch, run]
            })[worker] = times
    if not launches:
        raise ReportError(
            "no keras_timing runs (%s with %s) under %s"
            % ("/".join(schema.RUNS), schema.BATCH_MS, scanned.log_dir))
    out = []
    for launch in sorted(launches):
        runs = dict(sorted(launches[launch].items(),
                           key=lambda item: _run_order(item[0])))
        for name, summary in runs.items():
            inside = summary.get("data_in_step")
            # The run's last capture: where an inferred verdict is measured.
            taken = captures.get(launch, {}).get(name) or [{}]
            summary["verdict"] = verdict(
                summary, runs, None if inside is None or inside != inside
                else inside == 1, taken[-1].get("file"))
        out.append({
            "launch": launch,
            "runs": runs,
            **_ratio_fields(runs, run_stats[launch]),
            # One scope for every run of a launch (the timer decides it at
            # the launch's first call).
            "samples_scope": next(iter(runs.values()))["samples_scope"],
            "fit_predict_ratio_partial": any(
                runs[r]["partial"] for r in (schema.TRAIN, schema.PREDICT)
                if r in runs),
            "captures": dict(sorted(captures.get(launch, {}).items(),
                                    key=lambda item: _run_order(item[0]))),
        })
        spreads = {r: worker_spread(t) for (l, r), t in by_worker.items()
                   if l == launch}
        if spreads:
            out[-1]["workers"] = dict(sorted(
                spreads.items(), key=lambda item: _run_order(item[0])))
    return out


def _ratio_fields(runs, stats):
    """`fit_predict_ratio` with `_low`, `_high` (its 95% interval) and
    `_note` (why it is missing, a wide interval, a busy machine)."""
    fp = ratio_lib.fit_predict(runs, stats)
    return {"fit_predict_ratio": fp.ratio, "fit_predict_ratio_low": fp.low,
            "fit_predict_ratio_high": fp.high,
            "fit_predict_ratio_basis": fp.basis,
            "fit_predict_ratio_note": fp.note}


def _run_order(key):
    """`train` < `train/worker_1` < `validation` < `predict` <
    `predict_encoder` ..."""
    folder, _, worker = key.partition("/")
    run = schema.base_run(folder)
    number = worker[len(schema.WORKER_PREFIX):]
    return (schema.RUNS.index(run) if run else len(schema.RUNS),
            folder != run, folder, int(number) if number.isdigit() else -1)
