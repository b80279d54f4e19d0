"""Read timing event files back: per-run summaries, as text or JSON.

Event files are read with tensorboard's own `EventAccumulator`; the figures
are computed by the same `PhaseStats` the callback uses, so the report and
the console summary agree.
"""

import math
import os

from tensorboard.backend.event_processing import event_accumulator

from keras_timing import names
from keras_timing import summary as summary_text
from keras_timing import traces
from keras_timing.clock import StepTime
from keras_timing.phase import PhaseStats

_SIZE = {event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0,
         event_accumulator.IMAGES: 1, event_accumulator.HISTOGRAMS: 1,
         event_accumulator.COMPRESSED_HISTOGRAMS: 1,
         event_accumulator.AUDIO: 1}


class ReportError(Exception):
    """The folder holds nothing this report can read."""


def find_runs(log_dir):
    """`(launch, run, path)` for every run folder with event files."""
    found = []
    for folder, dirs, files in os.walk(log_dir):
        dirs.sort()
        if "plugins" in dirs:
            dirs.remove("plugins")
        run = os.path.basename(folder)
        if run in names.RUNS and any("tfevents" in f for f in files):
            launch = os.path.relpath(os.path.dirname(folder), log_dir)
            found.append((launch, run, folder))
    return found


def load_run(path):
    """A run folder's points as `StepTime`s in step order, and the timer's
    last end-of-call summary scalars (`{}` if it wrote none)."""
    acc = event_accumulator.EventAccumulator(path, size_guidance=_SIZE)
    acc.Reload()
    tags = set(acc.Tags().get(event_accumulator.SCALARS, []))
    summary = {}
    for tag in tags:
        key = tag[len(names.SUMMARY_SCALARS):]
        if tag.startswith(names.SUMMARY_SCALARS) and key in names.SUMMARY_FIELDS:
            value = acc.Scalars(tag)[-1].value
            summary[key] = int(value) if key == "steps" else value
    if names.BATCH_MS not in tags:
        return [], summary

    def series(tag):
        if tag not in tags:
            return {}
        return {e.step: e.value for e in acc.Scalars(tag)}

    batch = acc.Scalars(names.BATCH_MS)
    wait = series(names.INPUT_WAIT_MS)
    steps = series(names.STEPS)
    rate = series(names.SAMPLES_PER_SEC)
    first = series(names.FIRST_BATCH_MS)
    times = []
    for e in sorted(batch, key=lambda e: e.step):
        n = int(steps.get(e.step, 1))
        w = wait.get(e.step, 0.0)
        samples = None
        if e.step in rate:
            samples = round(rate[e.step] * (e.value + w) * n / 1e3)
        times.append(StepTime(e.step - n + 1, e.step, e.value, w,
                              e.wall_time, e.step in first, samples))
    return times, summary


def read_run(path):
    """The run's points as `StepTime`s, in step order."""
    return load_run(path)[0]


def report(log_dir):
    """Summaries per launch: `[{"launch", "runs": {run: summary}, ...}]`."""
    if not os.path.isdir(log_dir):
        raise ReportError("no such folder: %s" % log_dir)
    launches = {}
    captures = {}
    for launch, run, path in find_runs(log_dir):
        times, written = load_run(path)
        if not times:
            continue
        # The points are read as written: no second decimation.
        stats = PhaseStats(run, full_steps=math.inf)
        stats.add(times, final=True)
        summary = stats.summary()
        summary.update(written)
        launches.setdefault(launch, {})[run] = summary
        found = list_captures(path, times)
        if found:
            captures.setdefault(launch, {})[run] = found
    if not launches:
        raise ReportError(
            "no keras_timing runs (%s with %s) under %s"
            % ("/".join(names.RUNS), names.BATCH_MS, log_dir))
    out = []
    for launch in sorted(launches):
        runs = launches[launch]
        ordered = {r: runs[r] for r in names.RUNS if r in runs}
        out.append({
            "launch": launch,
            "runs": ordered,
            "fit_predict_ratio": summary_text.fit_predict_ratio(ordered),
            "captures": {r: captures[launch][r] for r in names.RUNS
                         if r in captures.get(launch, {})},
        })
    return out


def list_captures(run_dir, times):
    """The run's captures, each with the profiler's and the timer's times
    of its steps (xplane traces, when xprof is installed)."""
    batch_ms = {t.last_step: t.batch_ms for t in times}
    found = traces.find_captures(run_dir)
    for capture in found:
        if capture["file"].endswith(".xplane.pb"):
            measured = traces.profiler_step_ms(capture["file"])
            if measured is not None:
                capture["step_ms"] = [
                    {"step": step, "profiler_ms": ms,
                     "timer_batch_ms": batch_ms.get(step, math.nan)}
                    for step, ms in sorted(measured.items())]
    return found


def to_json_ready(result):
    """NaN becomes None, so the JSON is strict."""
    if isinstance(result, float) and math.isnan(result):
        return None
    if isinstance(result, dict):
        return {k: to_json_ready(v) for k, v in result.items()}
    if isinstance(result, list):
        return [to_json_ready(v) for v in result]
    return result


def to_text(result):
    parts = []
    for launch in result:
        parts.append("## %s\n" % launch["launch"])
        parts.append(summary_text.markdown(list(launch["runs"].values()),
                                           launch["fit_predict_ratio"]))
        for run, found in launch["captures"].items():
            parts.append(_captures_text(run, found))
    return "\n".join(parts)


def _captures_text(run, found):
    lines = ["Profiler captures of %s:" % run]
    for c in found:
        steps = "steps %d-%d" % tuple(c["steps"]) if c["steps"] else "steps ?"
        lines.append("- %s, %s (%.1f kB)" % (steps, c["file"],
                                             c["bytes"] / 1e3))
        for row in c.get("step_ms", []):
            lines.append("  step %d: profiler %.3f ms, timer batch_ms %.3f"
                         % (row["step"], row["profiler_ms"],
                            row["timer_batch_ms"]))
    return "\n".join(lines) + "\n"
