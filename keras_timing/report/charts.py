"""The report page's charts, drawn by matplotlib as inline SVG.

SVG keeps the page one self-contained file (no network, no image files) and
its text stays text, so a browser, a search or a test can read the labels.
Only `matplotlib.figure.Figure` is used, never pyplot: no global state, no
GUI backend, safe in a notebook kernel or a server.
"""

import io
import math
from typing import Any
from typing import Mapping
from typing import Optional
from typing import Sequence

import matplotlib
from matplotlib.figure import Figure

from keras_timing.analysis.passes import steady
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime

# A long run's counted points are thinned to at most this many in a chart
# (every k-th point); the marked steps are always all drawn.
MAX_POINTS = 3000

# How each kind of step left out of the figures is marked.
MARKS = {
    StepKind.FIRST: ("^", "#d62728", "first batch (compilation)"),
    StepKind.RECOMPILE: ("D", "#ff7f0e", "recompile (new shape)"),
    StepKind.OVERLAP: ("x", "#7f7f7f", "end hidden by a compile"),
    StepKind.PROFILED: ("s", "#9467bd", "profiled (timing/profiled_ms)"),
}
WARMUP_COLOR = "#fff2cc"


def _svg(fig):
    """The figure as an `<svg>` element, text kept as text."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    # Inline in HTML: no XML prolog or DOCTYPE before the element.
    return text[text.index("<svg"):]


def _thin(points):
    every = max(1, math.ceil(len(points) / MAX_POINTS))
    return points[::every], every


def step_chart(run: str, times: Sequence[StepTime]) -> str:
    """`batch_ms` of one run over the global step, as an SVG element.

    Counted steps are the line; the warm-up pass (left out of the totals)
    is shaded; first batches, recompiles, steps whose end a compile hid and
    profiled steps are marked, each kind in its own marker.

    Args:
        run: The run's name, for the title.
        times: The run's points (`StepTime`s, in step order).

    >>> from keras_timing.analysis.steps import StepTime
    >>> svg = step_chart("train", [StepTime(1, 1, 90.0, 0.0, 0.0, "first"),
    ...                            StepTime(2, 2, 1.0, 0.0, 0.0)])
    >>> svg.startswith("<svg") and "first batch" in svg
    True
    """
    fig = Figure(figsize=(9, 3.2))
    ax = fig.add_subplot()
    kept = steady(times)
    warm = times[:len(times) - len(kept)]
    warm_counted = [t for t in warm if t.kind is None]
    if warm_counted:
        # A patch's own zorder (1) keeps it under the grid and the line.
        ax.axvspan(warm[0].first_step - 0.5, warm[-1].last_step + 0.5,
                   color=WARMUP_COLOR,
                   label="warm-up (first pass, left out of totals)")
    counted, every = _thin([t for t in times if t.kind is None])
    if counted:
        # Colours are set, not taken from the caller's style: a notebook's
        # style (ggplot's red first colour) would clash with the marks.
        ax.plot([t.last_step for t in counted], [t.batch_ms for t in counted],
                lw=0.9, color="#1f77b4", marker="." if len(counted) < 80
                else None, label="counted steps" + (
                    " (every %d-th point)" % every if every > 1 else ""))
    for kind, (marker, color, label) in MARKS.items():
        marked = [t for t in times if t.kind == kind]
        if marked:
            ax.scatter([t.last_step for t in marked],
                       [t.batch_ms for t in marked], marker=marker,
                       color=color, zorder=3, label=label)
    values = [t.batch_ms for t in times if t.batch_ms > 0]
    if values and max(values) > 20 * min(values):
        # A first batch of hundreds of ms beside steps of 1 ms.
        ax.set_yscale("log")
    ax.set_xlabel("global step")
    ax.set_ylabel("batch_ms")
    ax.set_title("%s: batch_ms per step" % run, loc="left")
    ax.grid(alpha=0.3)
    if times:
        # Beside the plot, not on it: a marked step may sit under it.
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _svg(fig)


def per_sample_chart(runs: Mapping[str, Mapping[str, Any]],
                     ratio: Optional[float] = math.nan,
                     low: Optional[float] = None,
                     high: Optional[float] = None) -> str:
    """Each run's ms per sample (the summary's totals) as bars, with the
    fit vs predict ratio and its 95% interval, when known, in the title.

    Args:
        runs: `{run: summary}` of one launch.
        ratio: Train over predict per sample, or NaN.
        low, high: The ratio's 95% interval, or None.

    >>> per_sample_chart({"train": {"ms_per_sample": 0.02},
    ...                   "predict": {"ms_per_sample": 0.01}}, 2.0
    ...                  ).count("ms per sample") > 0
    True
    """
    names = [r for r, s in runs.items()
             if _number(s.get("ms_per_sample")) is not None]
    values = [runs[r]["ms_per_sample"] for r in names]
    fig = Figure(figsize=(9, 0.6 + 0.45 * max(len(names), 1)))
    ax = fig.add_subplot()
    bars = ax.barh(names[::-1], values[::-1], color="#1f77b4")
    ax.bar_label(bars, labels=["%.3g ms" % v for v in values[::-1]],
                 padding=3)
    ax.set_xlabel("ms per sample (batch + input wait, totals over counted "
                  "steps)")
    if values:
        # Room for the longest bar's label; the left end stays at the bars'
        # own 0.
        ax.set_xlim(right=max(values) * 1.25)
    ax.set_title(ratio_text(ratio, low, high), loc="left")
    return _svg(fig)


def ratio_text(ratio: Optional[float], low: Optional[float] = None,
               high: Optional[float] = None) -> str:
    """The ratio as said on the page.

    >>> ratio_text(2.5, 2.25, 2.75)
    'fit vs predict per sample: 2.5x (95% interval 2.25 - 2.75)'
    >>> ratio_text(float("nan"))
    'fit vs predict per sample: n/a (no train and predict runs both)'
    """
    ratio, low, high = _number(ratio), _number(low), _number(high)
    if ratio is None:
        return "fit vs predict per sample: n/a (no train and predict runs both)"
    text = "fit vs predict per sample: %.3gx" % ratio
    if low is not None and high is not None:
        text += " (95%% interval %.3g - %.3g)" % (low, high)
    return text


def _number(value):
    if isinstance(value, (int, float)) and not math.isnan(value):
        return value
    return None

