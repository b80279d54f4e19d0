"""The report as HTML: one self-contained page, or a notebook cell's table.

`page(result, scanned)` is what `keras-timing report LOGDIR --html FILE`
writes: per launch, the summary table, the verdicts with their evidence,
fit against predict per sample (with the ratio's 95% interval where the
report has it), a `batch_ms` chart per run with its left-out steps marked,
and the captures with where they open. Charts are inline SVG (`charts`),
the style is inline, nothing is fetched: the file opens offline, mailed or
archived by CI. `timer_html(timer)` is `FitPredictTimer._repr_html_`: the
same launch table, from the live timer's summaries.

Every figure cell carries its exact value in `data-value` (the text shows
three significant digits), so a reader of the HTML gets the numbers back.
"""

import html
import math
from typing import Any
from typing import Dict
from typing import Mapping
from typing import Optional
from typing import Sequence

from keras_timing.analysis import summary as summary_text
from keras_timing.analysis import verdict as verdicts
from keras_timing.analysis.steps import StepTime
from keras_timing.report import charts
from keras_timing.report.runs import Scan
from keras_timing.report.text import partial_note

# (summary key, column title, format) of the summary table.
COLUMNS = [
    ("steps", "steps", "d"), ("p50_ms", "p50 ms", ".3g"),
    ("p90_ms", "p90 ms", ".3g"), ("p99_ms", "p99 ms", ".3g"),
    ("first_batch_ms", "first batch ms", ".4g"),
    ("recompile_ms", "recompile ms", ".4g"),
    ("warmup_steps", "warm-up steps", "d"),
    ("input_wait_share", "input wait", "%"),
    ("samples_per_sec", "samples/s", ",.0f"),
    ("ms_per_sample", "ms/sample", ".3g"),
]

PER_SAMPLE_NOTE = (
    "ms/sample is the summary's total: batch + input wait over the counted "
    "steps, over their samples (first batches, recompiles, profiled steps "
    "and warm-up left out). TensorBoard's timing/ms_per_sample chart is "
    "another figure: a rolling median over the last 50 steps, partial "
    "batches included, for seeing drift; the two need not agree.")

STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}
.partial{color:#b00}
.note{color:#555;font-size:13px}
section{border-top:2px solid #ddd;margin-top:24px}
"""


def _cell(value, spec):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="n">n/a</td>'
    shown = ("%.1f%%" % (100 * value) if spec == "%"
             else format(int(value) if spec == "d" else value, spec))
    return '<td class="n" data-value="%r">%s</td>' % (value, shown)


def summary_table(runs: Mapping[str, Mapping[str, Any]]) -> str:
    """The summary table of one launch's runs, verdicts in a last column.

    Args:
        runs: `{run: summary}` (each summary may hold `verdict`, `partial`).

    >>> summary_table({"train": {"steps": 3, "p50_ms": 1.25}}).count("<tr")
    2
    """
    head = "".join("<th>%s</th>" % title for _, title, _ in COLUMNS)
    rows = ["<table class=\"summary\"><tr><th>run</th>%s<th>bound</th></tr>"
            % head]
    for run, s in runs.items():
        name = html.escape(run)
        if s.get("partial"):
            name += ' <span class="partial">(partial)</span>'
        bound = (s.get("verdict") or {}).get("bound")
        rows.append('<tr data-run="%s"><td>%s</td>%s<td>%s</td></tr>' % (
            html.escape(run), name,
            "".join(_cell(s.get(key), spec) for key, _, spec in COLUMNS),
            html.escape(bound or "n/a")))
    return "\n".join(rows) + "</table>"


def _ratio(launch):
    text = charts.ratio_text(launch.get("fit_predict_ratio", math.nan),
                             launch.get("fit_predict_ratio_low"),
                             launch.get("fit_predict_ratio_high"))
    if launch.get("fit_predict_ratio_partial"):
        text += " (rests on a partial run)"
    if launch.get("fit_predict_ratio_note"):
        text += "; " + launch["fit_predict_ratio_note"]
    value = launch.get("fit_predict_ratio")
    exact = ("" if value is None or value != value
             else ' data-value="%r"' % value)
    return '<p class="ratio"%s>%s</p>' % (exact, html.escape(text))


def verdict_list(runs: Mapping[str, Mapping[str, Any]]) -> str:
    """The verdicts with their evidence (`why`) and advice, one item each.

    >>> verdict_list({"train": {"verdict": {"bound": "host", "why": "w",
    ...                                     "advice": ["a"]}}})[:33]
    '<ul class="verdicts"><li><b>train'
    """
    items = []
    for run, s in runs.items():
        v = s.get("verdict")
        if not v:
            continue
        bound = ("%s-bound" % v["bound"] if v["bound"] else "no verdict")
        advice = "".join("<br>try: %s" % html.escape(a)
                         for a in v.get("advice") or [])
        items.append("<li><b>%s</b>: %s: %s%s</li>" % (
            html.escape(run), bound, html.escape(v["why"]), advice))
    return '<ul class="verdicts">%s</ul>' % "".join(items) if items else ""


def launch_table(launch: Mapping[str, Any]) -> str:
    """One launch as HTML: title, summary table, partial note, ratio and
    verdicts; what the notebook view shows and the page starts each
    launch with.

    Args:
        launch: One entry of `report()`'s result (or `timer_launch`'s).

    >>> print(launch_table({"launch": "l", "runs": {}})[:10])
    <h2>l</h2>
    """
    runs = launch["runs"]
    parts = ["<h2>%s</h2>" % html.escape(str(launch["launch"])),
             summary_table(runs)]
    cut = [run for run, s in runs.items() if s.get("partial")]
    if cut:
        parts.append('<p class="partial">%s</p>'
                     % html.escape(partial_note(launch, cut)))
    parts += [_ratio(launch), verdict_list(runs)]
    return "\n".join(p for p in parts if p)


def _captures(found):
    rows = ["<table class=\"captures\"><tr><th>run</th><th>steps</th>"
            "<th>file</th><th>kB</th><th>opens in</th></tr>"]
    for run, captures in found.items():
        for c in captures:
            steps = "%d-%d" % tuple(c["steps"]) if c["steps"] else "?"
            rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td "
                        "class=\"n\">%.1f</td><td>%s</td></tr>" % (
                            html.escape(run), steps, html.escape(c["file"]),
                            c["bytes"] / 1e3,
                            html.escape(c.get("open_in") or "unknown")))
    return "\n".join(rows) + "</table>"


def launch_section(launch: Mapping[str, Any],
                   times: Optional[Mapping[str, Sequence[StepTime]]] = None
                   ) -> str:
    """One launch of the page: `launch_table`, the per-sample chart, a
    step chart per run whose points are given, and the captures.

    Args:
        launch: One entry of `report()`'s result.
        times: `{run: [StepTime]}` of the launch, for the step charts.

    >>> launch_section({"launch": "l", "runs": {}}).count("<svg")
    1
    """
    parts = ['<section data-launch="%s">' % html.escape(launch["launch"]),
             launch_table(launch),
             "<h3>Fit vs predict, per sample</h3>",
             charts.per_sample_chart(launch["runs"],
                                     launch.get("fit_predict_ratio",
                                                math.nan),
                                     launch.get("fit_predict_ratio_low"),
                                     launch.get("fit_predict_ratio_high")),
             '<p class="note">%s</p>' % html.escape(PER_SAMPLE_NOTE)]
    if times:
        parts.append("<h3>Step times</h3>")
        parts += [charts.step_chart(run, times[run])
                  for run in launch["runs"] if times.get(run)]
    if launch.get("captures"):
        parts += ["<h3>Profiler captures</h3>", _captures(launch["captures"]),
                  '<p class="note">.xplane.pb: run <code>tensorboard --logdir '
                  'LOGDIR</code> and open the Profile tab; .pt.trace.json: '
                  'open it in https://ui.perfetto.dev or chrome://tracing.'
                  '</p>']
    parts.append("</section>")
    return "\n".join(parts)


def page(result: Sequence[Mapping[str, Any]], scanned: Optional[Scan] = None,
         title: str = "keras_timing report") -> str:
    """The whole report as one self-contained HTML page.

    Args:
        result: What `report()` returned.
        scanned: The `Scan` it was made from, for the step charts; None
            leaves them out.
        title: The page's title.

    >>> "<h1>keras_timing report</h1>" in page([])
    True
    """
    times: Dict[str, Dict[str, Sequence[StepTime]]] = {}
    for launch, run, worker, _, points, _, _ in (scanned.runs if scanned
                                                 else ()):
        if worker is None and points:
            times.setdefault(launch, {})[run] = points
    body = "\n".join(launch_section(launch, times.get(launch["launch"]))
                     for launch in result)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>%s</title><style>%s</style></head><body>\n<h1>%s</h1>\n"
            "%s\n</body></html>\n" % (html.escape(title), STYLE,
                                      html.escape(title), body))


def write(path: str, result: Sequence[Mapping[str, Any]],
          scanned: Optional[Scan] = None) -> None:
    """Writes `page(result, scanned)` to `path` (UTF-8).

    Args:
        path: The HTML file to write.
        result: What `report()` returned.
        scanned: Its `Scan`, for the step charts.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> write(path, []); open(path).read().startswith("<!DOCTYPE html>")
    True
    """
    with open(path, "w", encoding="utf-8") as f:
        f.write(page(result, scanned))


def timer_launch(timer: Any) -> Dict[str, Any]:
    """A live timer's launch in `report()`'s shape: its runs' summaries,
    each with its verdict, and the ratio (with its interval where the timer
    has one).

    Args:
        timer: A `FitPredictTimer` (see `timer_html`).
    """
    runs = timer.summaries()
    for s in runs.values():
        s["verdict"] = verdicts.verdict(s, runs, s.get("data_in_step") == 1)
    ratio, _ = summary_text.ratio_and_basis(runs)
    launch = {"launch": str(timer.launch_dir or "(nothing timed yet)"),
              "runs": runs, "fit_predict_ratio": ratio}
    low, high = getattr(timer, "fit_predict_interval", (None, None))
    launch["fit_predict_ratio_low"] = low
    launch["fit_predict_ratio_high"] = high
    return launch


def timer_html(timer: Any) -> str:
    """`FitPredictTimer._repr_html_`: the launch as an HTML table.

    Args:
        timer: A `FitPredictTimer` (anything with `summaries()` and
            `launch_dir`).

    >>> class Idle:
    ...     launch_dir = None
    ...     def summaries(self):
    ...         return {}
    >>> timer_html(Idle())
    '<p>keras_timing: no call timed yet</p>'
    """
    launch = timer_launch(timer)
    if not launch["runs"]:
        return "<p>keras_timing: no call timed yet</p>"
    return ('<div class="keras_timing">%s<p class="note">%s</p></div>'
            % (launch_table(launch), html.escape(PER_SAMPLE_NOTE)))
