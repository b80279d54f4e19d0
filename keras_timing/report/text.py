"""The report as text (markdown tables, as the timer prints) or strict JSON."""

import math
from typing import Any
from typing import Mapping
from typing import Sequence

from keras_timing.analysis import summary as summary_text
from keras_timing.analysis import verdict as verdicts


def to_json_ready(result: Any) -> Any:
    """NaN becomes None, so the JSON is strict.

    Args:
        result: What `report` returned, or any part of it.

    >>> to_json_ready({"a": [float("nan"), 1.0]})
    {'a': [None, 1.0]}
    """
    if isinstance(result, float) and math.isnan(result):
        return None
    if isinstance(result, dict):
        return {k: to_json_ready(v) for k, v in result.items()}
    if isinstance(result, list):
        return [to_json_ready(v) for v in result]
    return result


def to_text(result: Sequence[Mapping[str, Any]]) -> str:
    """The report as text: per launch, the summary table, a verdict line
    per run, workers, captures.

    Args:
        result: What `report` returned.

    >>> to_text([])
    ''
    """
    parts = []
    for launch in result:
        parts.append("## %s\n" % launch["launch"])
        parts.append(summary_text.markdown(
            [_marked(s) for s in launch["runs"].values()],
            *_ratio_args(launch)))
        cut = [run for run, s in launch["runs"].items() if s.get("partial")]
        if cut:
            parts.append(partial_note(launch, cut) + "\n")
        found = [verdicts.line(run, s["verdict"])
                 for run, s in launch["runs"].items() if "verdict" in s]
        if found:
            parts.append("Verdicts (what bounds each run):\n"
                         + "\n".join("- " + v for v in found) + "\n")
        for run, spread in launch.get("workers", {}).items():
            parts.append(_workers_text(run, spread))
        for run, found in launch["captures"].items():
            parts.append(_captures_text(run, found))
    return "\n".join(parts)


def _marked(summary):
    """The summary with "(partial)" after its run's name where an event
    file of the run was damaged."""
    if not summary.get("partial"):
        return summary
    return dict(summary, run="%s (partial)" % summary["run"])


def partial_note(launch: Mapping[str, Any], cut: Sequence[str]) -> str:
    """What the partial runs `cut` of `launch` mean for its figures.

    >>> partial_note({"fit_predict_ratio_partial": True}, ["train"])[:40]
    'partial: train: an event file is damaged'
    """
    text = ("partial: %s: an event file is damaged; the figures hold only "
            "the steps read before the damage" % ", ".join(cut))
    if launch.get("fit_predict_ratio_partial"):
        text += "; the fit vs predict ratio rests on a partial run"
    return text


def _ratio_args(launch):
    """The ratio, its basis, interval and note, as `markdown` takes them."""
    return (launch["fit_predict_ratio"],
            launch.get("fit_predict_ratio_basis", "per sample"),
            launch.get("fit_predict_ratio_low", math.nan),
            launch.get("fit_predict_ratio_high", math.nan),
            launch.get("fit_predict_ratio_note"))


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
