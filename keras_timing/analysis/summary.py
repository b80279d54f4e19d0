"""Text of the end-of-call summary: console lines and a Markdown table.

Shared by the timer and `keras-timing report` (which reuses it, never the
reverse), so both say the same thing the same way.
"""

import math

from keras_timing import schema
from keras_timing.analysis.figures import MEASURED


def figure(summary, key):
    """`summary[key]`, or NaN where the summary or the figure is missing.

    >>> figure({"p50_ms": 2.0, "mfu": None}, "mfu"), figure(None, "p50_ms")
    (nan, nan)
    """
    found = summary.get(key, math.nan) if summary else math.nan
    return math.nan if found is None else found


def fit_predict_ratio(summaries):
    """Train over predict time per sample, or NaN; see `ratio_and_basis`."""
    return ratio_and_basis(summaries)[0]


def ratio_and_basis(summaries):
    """`(ratio, basis)`: train time over predict time, per sample.

    Both are totals: the counted steps' whole intervals (batch plus input
    wait, first batches, recompiles and warm-up left out) over their
    samples. Where
    either run's batch size is unknown, per step instead (`basis` says
    "per step"); NaN when a run is missing.

    >>> ratio_and_basis({"train": {"ms_per_sample": 3.0},
    ...                  "predict": {"ms_per_sample": 1.5}})
    (2.0, 'per sample')
    """
    train = summaries.get(schema.TRAIN)
    predict = summaries.get(schema.PREDICT)
    for key, basis in (("ms_per_sample", "per sample"),
                       ("ms_per_step", "per step")):
        a, b = figure(train, key), figure(predict, key)
        if not (math.isnan(a) or math.isnan(b)) and b > 0:
            return a / b, basis
    return math.nan, "per sample"


def _fmt(value, spec=".3g"):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec)


def _si(value):
    """`1.27e6` -> "1.27 M": a figure with its SI prefix.

    >>> _si(1.27e6), _si(759.0), _si(3.4e9)
    ('1.27 M', '759 ', '3.4 G')
    """
    if value is None or math.isnan(value):
        return "n/a "
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return "%s %s" % (format(value / factor, ".3g"), prefix)
    return "%s " % format(value, ".3g")


def percent(share, spec=".1f", missing="n/a"):
    """A share as a percentage, for every text the package prints.

    Args:
        share: A fraction (0.125 is 12.5%), or None or NaN: not known.
        spec: The percentage's format; None: whole percent from 1% up, two
            significant digits below (the verdicts' "62%", "0.05%").
        missing: The text of a share not known.

    >>> percent(0.125), percent(None), percent(0.62, None), percent(5e-4, None)
    ('12.5%', 'n/a', '62%', '0.05%')
    """
    if share is None or math.isnan(share):
        return missing
    if spec is None:
        spec = ".0f" if share >= 0.01 else ".2g"
    return format(100 * share, spec) + "%"


def lines(summary):
    """Console lines for one run's summary dict (see `RunStats.summary`)."""
    s = summary
    out = ["%s: %d steps; batch ms p50 %s, p90 %s, p99 %s; first batch %s ms"
           % (s["run"], s["steps"], _fmt(s["p50_ms"]), _fmt(s["p90_ms"]),
              _fmt(s["p99_ms"]), _fmt(s["first_batch_ms"], ".4g"))]
    if s.get("recompiles"):
        out[0] += "; %d recompile%s %s ms" % (
            s["recompiles"], "s" * (s["recompiles"] > 1),
            _fmt(s["recompile_ms"], ".4g"))
    out[0] += " (compilation, left out)"
    if s.get("warmup_steps"):
        out[0] += "; warm-up: the first %s's %d steps, left out" % (
            "epoch" if s["run"] == schema.TRAIN else "call", s["warmup_steps"])
    if s.get("profiled_steps"):
        out[0] += "; %d profiled steps (profiler), left out" % (
            s["profiled_steps"])
    if math.isnan(figure(s, "ms_per_sample")):
        per = "%s ms per step (batch size unknown)" % _fmt(
            figure(s, "ms_per_step"))
    else:
        per = "%s samples/s; %s ms per sample" % (
            _fmt(s["samples_per_sec"], ",.0f"), _fmt(s["ms_per_sample"]))
    measured = "".join(
        "; %s %s" % (f.label, percent(figure(s, f.share)))
        for f in MEASURED if f.share and figure(s, f.share) >= 0)
    out.append("  input wait %s of step time%s; %s (batch + input wait)"
               % (percent(s["input_wait_share"]), measured, per))
    if (s.get("processes") or 1) > 1:
        # Several processes: whose samples the per-sample figures count.
        out[-1] += "; samples: %s" % (
            "global, all %d processes'" % s["processes"]
            if s.get("samples_scope") == "global" else "this process's alone")
    flops = figure(s, "flops_per_sample")
    memory = figure(s, "peak_memory_mb")
    extra = []
    if not math.isnan(flops):
        extra.append("%sFLOP per sample, %sFLOP/s" % (
            _si(flops), _si(figure(s, "tflops_per_sec") * 1e12)))
        if not math.isnan(figure(s, "mfu")):
            extra[-1] += " (%s %s)" % (percent(s["mfu"]), s.get(
                "peak_label") or "of peak")
    if not math.isnan(memory):
        extra.append("peak memory %s MB" % _fmt(memory, ",.0f"))
    if extra:
        out.append("  " + "; ".join(extra))
    call = figure(s, "call_ms")
    if call and not math.isnan(call):
        outside = figure(s, "outside_steps_ms")
        out.append("  steps hold %s of the %s ms the calls took; outside "
                   "steps %s ms (epoch starts %s ms)" % (
                       percent(1 - outside / call) if call > 0 else "n/a",
                       _fmt(call, ",.0f"), _fmt(outside, ",.0f"),
                       _fmt(figure(s, "epoch_start_ms"), ",.0f")))
        ends, workers = (figure(s, k) for k in ("data_epoch_end_ms",
                                                "data_workers"))
        if ends >= 1 and call > 0:  # the stops of a `PyDataset`'s workers
            out[-1] = out[-1][:-1] + "; the data adapter's epoch ends %s " \
                "ms, %s of the calls%s)" % (
                    _fmt(ends, ",.0f"), percent(ends / call, None),
                    ": a PyDataset's %d workers stopped at each" % workers
                    if workers >= 1 else "")
    return out


def short_line(summary):
    """One line for a call of a few steps."""
    s = summary
    return "%s: %d steps, %s ms per step" % (
        s["run"], s["steps"], _fmt(figure(s, "ms_per_step")))


def ratio_line(ratio, basis="per sample", low=math.nan, high=math.nan,
               note=None):
    """The fit/predict line: the ratio with its 95% interval, or why there
    is none; a note (a wide interval, a busy machine) on the next line.

    >>> ratio_line(2.13, "per sample", 1.9, 2.4)[-42:]
    'costs 2.13x (95%: 1.9-2.4x) a predict step'
    >>> ratio_line(math.nan, note="predict had no counted step")
    'fit vs predict: no ratio: predict had no counted step'
    """
    if ratio != ratio:
        return "fit vs predict: no ratio: %s" % (note or "no run of both")
    ci = "" if low != low else " (95%%: %s-%sx)" % (_fmt(low, ".2g"),
                                                   _fmt(high, ".2g"))
    line = ("fit vs predict, %s, compilation and warm-up left out: a "
            "training step costs %sx%s a predict step" % (
                basis, _fmt(ratio, ".2f"), ci))
    return line + ("\n  " + note if note else "")


def markdown(summaries, ratio=math.nan, basis="per sample", low=math.nan,
             high=math.nan, note=None):
    """A Markdown table of several runs' summaries, and the ratio line
    (with its interval and note) where the ratio is known or said missing
    (`note`)."""
    head = ("| run | steps | p50 ms | p90 ms | p99 ms | first batch ms | "
            "recompile ms | warm-up steps | input wait | samples/s | "
            "ms/sample |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    rows = "".join(
        "| %s | %d | %s | %s | %s | %s | %s | %d | %s | %s | %s |\n" % (
            s["run"], s["steps"], _fmt(s["p50_ms"]), _fmt(s["p90_ms"]),
            _fmt(s["p99_ms"]), _fmt(s["first_batch_ms"], ".4g"),
            _fmt(figure(s, "recompile_ms"), ".4g"),
            s.get("warmup_steps") or 0, percent(s["input_wait_share"]),
            _fmt(s["samples_per_sec"], ",.0f"), _fmt(s["ms_per_sample"]))
        for s in summaries)
    tail = "" if math.isnan(ratio) and not note else (
        "\n" + ratio_line(ratio, basis, low, high, note) + "\n")
    return head + rows + tail
