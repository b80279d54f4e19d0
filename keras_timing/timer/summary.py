"""Text of the end-of-run summary: console lines and a Markdown table.

Shared by the callback and `keras-timing report`, so both say the same thing
the same way.
"""

import math

from keras_timing import schema


def fit_predict_ratio(summaries):
    """Train time per sample over predict time per sample, or NaN.

    Both are medians of a step's whole interval (`batch_ms` plus
    `input_wait_ms`) per sample, first batches left out.
    """
    train = summaries.get(schema.TRAIN, {}).get("ms_per_sample", math.nan)
    predict = summaries.get(schema.PREDICT, {}).get("ms_per_sample", math.nan)
    if math.isnan(train) or math.isnan(predict) or predict <= 0:
        return math.nan
    return train / predict


def _fmt(value, spec=".3g"):
    return "n/a" if value is None or math.isnan(value) else format(value, spec)


def lines(summary):
    """Console lines for one run's summary dict (see `RunStats.summary`)."""
    s = summary
    return [
        "%s: %d steps; batch ms p50 %s, p90 %s, p99 %s; first batch %s ms "
        "(compile, left out)" % (
            s["run"], s["steps"], _fmt(s["p50_ms"]), _fmt(s["p90_ms"]),
            _fmt(s["p99_ms"]), _fmt(s["first_batch_ms"], ".4g")),
        "  input wait %s of step time; %s samples/s; %s ms per sample "
        "(batch + input wait)" % (
            _fmt(100 * s["input_wait_share"], ".1f") + "%",
            _fmt(s["samples_per_sec"], ",.0f"), _fmt(s["ms_per_sample"])),
    ]


def ratio_line(ratio):
    return ("fit vs predict, per sample and without the compile step: a "
            "training batch costs %sx a predict batch" % _fmt(ratio, ".2f"))


def markdown(summaries, ratio=math.nan):
    """A Markdown table of several runs' summaries, and the ratio if known."""
    head = ("| run | steps | p50 ms | p90 ms | p99 ms | first batch ms | "
            "input wait | samples/s | ms/sample |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    rows = "".join(
        "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n" % (
            s["run"], s["steps"], _fmt(s["p50_ms"]), _fmt(s["p90_ms"]),
            _fmt(s["p99_ms"]), _fmt(s["first_batch_ms"], ".4g"),
            _fmt(100 * s["input_wait_share"], ".1f") + "%",
            _fmt(s["samples_per_sec"], ",.0f"), _fmt(s["ms_per_sample"]))
        for s in summaries)
    tail = "" if math.isnan(ratio) else "\n" + ratio_line(ratio) + "\n"
    return head + rows + tail
