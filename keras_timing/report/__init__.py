"""Read timing event files back: per-run summaries, as text or JSON.

Event files are read with tensorboard's own `EventAccumulator`; the figures
are computed by the same `RunStats` the callback uses, so the report and
the console summary agree.
"""

import math
import os

from tensorboard.backend.event_processing import event_accumulator

from keras_timing.events import integrity
from keras_timing import schema
from keras_timing.timer import summary as summary_text
from keras_timing.report import captures as capture_files
from keras_timing.timer.clock import StepTime
from keras_timing.timer.stats import RunStats

_SIZE = {event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0,
         event_accumulator.IMAGES: 1, event_accumulator.HISTOGRAMS: 1,
         event_accumulator.COMPRESSED_HISTOGRAMS: 1,
         event_accumulator.AUDIO: 1}


class ReportError(Exception):
    """The folder holds nothing this report can read."""


def _event_folders(log_dir):
    """`(launch, run, worker, path)` of every folder with event files that
    is a run (`worker` None) or a non-chief worker's `<run>/worker_<k>`."""
    found = []
    for folder, dirs, files in os.walk(log_dir):
        dirs.sort()
        if "plugins" in dirs:
            dirs.remove("plugins")
        if not any("tfevents" in f for f in files):
            continue
        name, parent = os.path.basename(folder), os.path.dirname(folder)
        suffix = name[len(schema.WORKER_PREFIX):]
        if name in schema.RUNS:
            found.append((os.path.relpath(parent, log_dir), name, None,
                          folder))
        elif (name.startswith(schema.WORKER_PREFIX) and suffix.isdigit()
              and os.path.basename(parent) in schema.RUNS):
            launch = os.path.relpath(os.path.dirname(parent), log_dir)
            found.append((launch, os.path.basename(parent), name, folder))
    return found


def damaged_files(log_dir):
    """`(path, reason)` of every truncated or corrupt event file of the
    timer's run folders (chief and workers) under `log_dir`."""
    out = []
    for _, _, _, folder in _event_folders(log_dir):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if "tfevents" in name and os.path.isfile(path):
                reason = integrity.damage(path)
                if reason:
                    out.append((path, reason))
    return out


def worker_spread(times_by_worker):
    """Per-step comparison of the workers of one run.

    `times_by_worker`: `{"worker_0": [StepTime], "worker_1": ...}`. Steps
    that every worker has (first batches left out) are compared. In
    synchronous data parallel training the workers meet in an all-reduce
    every step: the others wait for the straggler inside their step, so the
    straggler has the shortest `batch_ms` and the longest `input_wait_ms`
    (its host was late to begin the step). The spread, max minus min
    `batch_ms` across workers at a step, is that wait: what the straggler
    cost the step.
    """
    per_step = {}
    for worker, times in times_by_worker.items():
        for t in times:
            if not t.is_first:
                per_step.setdefault(t.last_step, {})[worker] = t
    n = len(times_by_worker)
    steps = sorted(s for s, seen in per_step.items() if len(seen) == n)
    ordered = sorted(times_by_worker,
                     key=lambda w: int(w[len(schema.WORKER_PREFIX):]))
    straggler = dict.fromkeys(ordered, 0)
    spreads = []
    for step in steps:
        seen = per_step[step]
        batch = [seen[w].batch_ms for w in ordered]
        spreads.append(max(batch) - min(batch))
        straggler[max(ordered, key=lambda w: seen[w].input_wait_ms)] += 1

    def quantile(values, q):
        if not values:
            return math.nan
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    return {
        "workers": n,
        "steps_compared": len(steps),
        "p50_spread_ms": quantile(spreads, 0.5),
        "p90_spread_ms": quantile(spreads, 0.9),
        "max_spread_ms": max(spreads) if spreads else math.nan,
        "straggler": straggler,
        "per_worker": {w: {
            "p50_batch_ms": quantile(
                [per_step[s][w].batch_ms for s in steps], 0.5),
            "p50_input_wait_ms": quantile(
                [per_step[s][w].input_wait_ms for s in steps], 0.5),
        } for w in ordered},
    }


def load_run(path):
    """A run folder's points as `StepTime`s in step order, and the timer's
    last end-of-call summary scalars (`{}` if it wrote none)."""
    acc = event_accumulator.EventAccumulator(path, size_guidance=_SIZE)
    acc.Reload()
    tags = set(acc.Tags().get(event_accumulator.SCALARS, []))
    summary = {}
    for tag in tags:
        key = tag[len(schema.SUMMARY_SCALARS):]
        if tag.startswith(schema.SUMMARY_SCALARS) and key in schema.SUMMARY_FIELDS:
            value = acc.Scalars(tag)[-1].value
            summary[key] = int(value) if key == "steps" else value
    if schema.BATCH_MS not in tags:
        return [], summary

    def series(tag):
        if tag not in tags:
            return {}
        return {e.step: e.value for e in acc.Scalars(tag)}

    batch = acc.Scalars(schema.BATCH_MS)
    wait = series(schema.INPUT_WAIT_MS)
    steps = series(schema.STEPS)
    rate = series(schema.SAMPLES_PER_SEC)
    first = series(schema.FIRST_BATCH_MS)
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
    chief_times = {}
    folders = _event_folders(log_dir)
    for launch, run, _, path in [f for f in folders if f[2] is None]:
        times, written = load_run(path)
        if not times:
            continue
        chief_times[launch, run] = times
        # The points are read as written: no second decimation.
        stats = RunStats(run, full_steps=math.inf)
        stats.add(times, final=True)
        summary = stats.summary()
        summary.update(written)
        launches.setdefault(launch, {})[run] = summary
        found = list_captures(path, times)
        if found:
            captures.setdefault(launch, {})[run] = found
    by_worker = {}
    for launch, run, worker, path in [f for f in folders if f[2]]:
        times = read_run(path)
        found = list_captures(path, times)
        if found:
            captures.setdefault(launch, {})["%s/%s" % (run, worker)] = found
        if times and (launch, run) in chief_times:
            by_worker.setdefault((launch, run), {
                schema.WORKER_PREFIX + "0": chief_times[launch, run]
            })[worker] = times
    spreads = {}
    for (launch, run), times in by_worker.items():
        spreads.setdefault(launch, {})[run] = worker_spread(times)
    if not launches:
        raise ReportError(
            "no keras_timing runs (%s with %s) under %s"
            % ("/".join(schema.RUNS), schema.BATCH_MS, log_dir))
    out = []
    for launch in sorted(launches):
        runs = launches[launch]
        ordered = {r: runs[r] for r in schema.RUNS if r in runs}
        out.append({
            "launch": launch,
            "runs": ordered,
            "fit_predict_ratio": summary_text.fit_predict_ratio(ordered),
            "captures": {r: c for r, c in sorted(
                captures.get(launch, {}).items(),
                key=lambda item: _run_order(item[0]))},
        })
        if launch in spreads:
            out[-1]["workers"] = {r: spreads[launch][r] for r in schema.RUNS
                                  if r in spreads[launch]}
    return out


def _run_order(key):
    """`train` < `train/worker_1` < `train/worker_2` < `validation` ..."""
    run, _, worker = key.partition("/")
    number = worker[len(schema.WORKER_PREFIX):]
    return (schema.RUNS.index(run) if run in schema.RUNS else len(schema.RUNS),
            int(number) if number.isdigit() else -1)


def list_captures(run_dir, times):
    """The run's captures, each with the profiler's and the timer's times
    of its steps (xplane traces, when xprof is installed)."""
    batch_ms = {t.last_step: t.batch_ms for t in times}
    found = capture_files.find_captures(run_dir)
    for capture in found:
        if capture["file"].endswith(".xplane.pb"):
            measured = capture_files.profiler_step_ms(capture["file"])
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
        for run, spread in launch.get("workers", {}).items():
            parts.append(_workers_text(run, spread))
        for run, found in launch["captures"].items():
            parts.append(_captures_text(run, found))
    return "\n".join(parts)


def _workers_text(run, s):
    lines = ["Workers of %s: %d workers, %d steps compared; batch_ms spread "
             "(slowest minus fastest worker at a step) p50 %.2f, p90 %.2f, "
             "max %.2f ms" % (run, s["workers"], s["steps_compared"],
                              s["p50_spread_ms"], s["p90_spread_ms"],
                              s["max_spread_ms"])]
    counts = sorted(s["straggler"].items(), key=lambda kv: -kv[1])
    lines.append("  straggler (the worker the others waited for: longest "
                 "input wait, shortest batch), steps: " + ", ".join(
                     "%s %d" % kv for kv in counts))
    for worker, w in s["per_worker"].items():
        lines.append("  %s: batch p50 %.2f ms, input wait p50 %.2f ms"
                     % (worker, w["p50_batch_ms"], w["p50_input_wait_ms"]))
    return "\n".join(lines) + "\n"


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
