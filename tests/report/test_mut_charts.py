"""The report page's charts (`report.charts`) drawn from steps of known
times and read back from the SVG with the standard library's ElementTree:
the points of the line and of each marked kind, mapped back to steps and
milliseconds through the axes' own tick labels, the warm-up shading, the
log scale, the bars, the titles. No Keras."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime
from keras_timing.report import charts

SVG = "{http://www.w3.org/2000/svg}"
HREF = "{http://www.w3.org/1999/xlink}href"


class Chart:
    """One axes of a chart as drawn: its texts, the data line's and each
    marker group's points (in data units), the filled rectangles."""

    def __init__(self, svg):
        assert svg.startswith("<svg")
        self.svg = svg
        root = ET.fromstring(svg)
        self.texts = [t.text for t in root.iter(SVG + "text")]
        axes = next(g for g in root.iter(SVG + "g") if g.get("id") ==
                    "axes_1")
        self.x = self._scale(axes, "xtick_", "x")
        self.children = {g.get("id"): g for g in axes.findall(SVG + "g")}

    @staticmethod
    def _scale(axes, prefix, attr):
        ticks = [(float(t.get(attr)), float(t.text.replace("\u2212", "-")))
                 for g in axes.iter(SVG + "g")
                 if (g.get("id") or "").startswith(prefix)
                 for t in g.iter(SVG + "text") if t.text]
        (p0, v0), (p1, v1) = ticks[0], ticks[1]
        return lambda p: v0 + (p - v0 * 0 - p0) * (v1 - v0) / (p1 - p0)

    def paths(self, prefix, style):
        """`(group, path)` of each path drawn in a group named `prefix...`
        whose style holds `style` (a stroke or a fill colour)."""
        return [(g, path) for name, g in self.children.items()
                if name.startswith(prefix) for path in g.findall(SVG + "path")
                if style in (path.get("style") or "")]

    def xs(self, path):
        """The x of each vertex of `path`, in data units."""
        return [round(self.x(float(v)), 2)
                for v in re.findall(r"[ML] ([-\d.]+) ", path.get("d"))]

    def lines(self, colour):
        """Each data line of `colour`: its vertices' x in data units."""
        out = []
        for _, path in self.paths("line2d_", "stroke: " + colour):
            xs = self.xs(path)
            # A long path may end by repeating its last vertex.
            out.append([v for i, v in enumerate(xs)
                        if i == 0 or v != xs[i - 1]])
        return out

    def markers(self):
        """`[(fill colour, [x in data units])]` of each scatter."""
        out = []
        for name, g in self.children.items():
            if name.startswith("PathCollection_"):
                uses = list(g.iter(SVG + "use"))
                colour = re.search(r"fill: (#\w+)", uses[0].get("style"))
                out.append((colour.group(1), [
                    round(self.x(float(u.get("x"))), 2) for u in uses]))
        return out

    def rectangles(self, colour):
        """x0, x1 (data units) of each filled patch of `colour`."""
        return [(min(xs), max(xs)) for xs in (
            self.xs(path) for _, path in self.paths("patch_",
                                                    "fill: " + colour))]


def _t(step, ms, kind=None, opens=False):
    return StepTime(step, step, ms, 0.0, 0.0, kind, 32, opens=opens)


# Two passes: a first batch, then 1-2 ms steps to step 5; the second from
# step 6, a recompile at 7, an overlap at 9, a profiled step at 10, to 14.
TWO_PASSES = ([_t(1, 90.0, StepKind.FIRST, True)]
              + [_t(s, 1.0 + s % 2) for s in range(2, 6)]
              + [_t(6, 1.0, opens=True), _t(7, 5.0, StepKind.RECOMPILE),
                 _t(8, 1.0), _t(9, 3.0, StepKind.OVERLAP),
                 _t(10, 4.0, StepKind.PROFILED)]
              + [_t(s, 1.0) for s in range(11, 15)])


def test_counted_steps_are_the_line_and_each_kind_its_markers():
    chart = Chart(charts.step_chart("train", TWO_PASSES))
    assert chart.lines("#1f77b4")[0] == [2, 3, 4, 5, 6, 8, 11, 12, 13, 14]
    assert chart.markers()[:4] == [("#d62728", [1]), ("#ff7f0e", [7]),
                                   ("#7f7f7f", [9]), ("#9467bd", [10])]
    labels = ["warm-up (first pass, left out of totals)", "counted steps",
              "first batch (compilation)", "recompile (new shape)",
              "end hidden by a compile", "profiled (timing/profiled_ms)"]
    assert chart.texts[-len(labels):] == labels
    assert "train: batch_ms per step" in chart.texts
    assert "global step" in chart.texts and "batch_ms" in chart.texts


def test_the_warm_up_pass_is_shaded_from_its_first_to_its_last_step():
    chart = Chart(charts.step_chart("train", TWO_PASSES))
    assert chart.rectangles(charts.WARMUP_COLOR) == [(0.5, 5.5)]


def test_no_shading_with_one_pass_or_a_warm_up_of_first_batches_only():
    one = [_t(1, 90.0, StepKind.FIRST, True)] + [_t(s, 1.0) for s in
                                                 range(2, 8)]
    chart = Chart(charts.step_chart("t", one))
    assert chart.rectangles(charts.WARMUP_COLOR) == []
    assert "warm-up (first pass, left out of totals)" not in chart.texts
    only_first = ([_t(1, 90.0, StepKind.FIRST, True),
                   _t(2, 1.0, opens=True)] + [_t(s, 1.0) for s in
                                              range(3, 8)])
    assert Chart(charts.step_chart("t", only_first)).rectangles(
        charts.WARMUP_COLOR) == []


def test_a_first_batch_twenty_times_a_step_gives_a_log_scale():
    def log_scale(times):
        return r"\mathdefault{10^{" in charts.step_chart("t", times)
    steps = [_t(s, 1.0) for s in range(2, 6)]
    assert log_scale([_t(1, 20.5, StepKind.FIRST)] + steps)
    assert not log_scale([_t(1, 20.0, StepKind.FIRST)] + steps)
    # Zero-time steps do not count as the smallest.
    assert log_scale([_t(1, 30.0, StepKind.FIRST), _t(2, 0.0)] + steps)
    assert not log_scale([_t(1, 10.0, StepKind.FIRST), _t(2, 0.0)] + steps)


def test_dots_on_a_short_line_none_on_a_long_one():
    short = charts.step_chart("t", [_t(s, 1.0) for s in range(1, 80)])
    long = charts.step_chart("t", [_t(s, 1.0) for s in range(1, 81)])
    # The line's markers are drawn as <use> elements of its own group.
    assert _line_dots(short) == 79 and _line_dots(long) == 0


def _line_dots(svg):
    (line, _), = Chart(svg).paths("line2d_", "stroke: #1f77b4")
    return len(list(line.iter(SVG + "use")))


def test_a_long_run_is_thinned_to_every_kth_point():
    n = 2 * charts.MAX_POINTS + 1   # ceil(6001 / 3000) = 3
    chart = Chart(charts.step_chart("t", [_t(s, 1.0 + s % 2)
                                          for s in range(1, n + 1)]))
    assert chart.lines("#1f77b4")[0] == list(range(1, n + 1, 3))
    assert "counted steps (every 3-th point)" in chart.texts
    exact = Chart(charts.step_chart("t", [
        _t(s, 1.0 + s % 2) for s in range(1, charts.MAX_POINTS + 1)]))
    assert len(exact.lines("#1f77b4")[0]) == charts.MAX_POINTS
    assert "counted steps" in exact.texts


def test_marked_steps_are_never_thinned():
    times = [_t(s, 1.0, StepKind.PROFILED if s % 1000 == 0 else None)
             for s in range(1, 7001)]
    chart = Chart(charts.step_chart("t", times))
    assert chart.markers() == [("#9467bd", [1000.0 * k
                                            for k in range(1, 8)])]


def test_no_points_no_legend():
    chart = Chart(charts.step_chart("empty", []))
    assert chart.lines("#1f77b4") == [] and chart.markers() == []
    assert "empty: batch_ms per step" in chart.texts
    assert not any(name.startswith("legend")
                   for name in chart.children)


def test_per_sample_bars_in_order_with_labels_and_room_for_them():
    runs = {"train": {"ms_per_sample": 0.04}, "validation": {},
            "evaluate": {"ms_per_sample": math.nan},
            "predict": {"ms_per_sample": 0.01}}
    svg = charts.per_sample_chart(runs, 4.0, 3.5, 4.5)
    chart = Chart(svg)
    assert ("fit vs predict per sample: 4x (95% interval 3.5 - 4.5)"
            in chart.texts)
    assert ["0.01 ms", "0.04 ms"] == [t for t in chart.texts
                                      if t.endswith(" ms")]
    # Runs top to bottom in the summary's order: train above predict.
    labels = [t for t in chart.texts if t in runs]
    assert labels == ["predict", "train"]
    bars = sorted(chart.rectangles("#1f77b4"), key=lambda r: r[1])
    assert bars == [(0.0, pytest.approx(0.01)), (0.0, pytest.approx(0.04))]
    # The x axis ends at 1.25 times the longest bar (room for its label).
    assert chart.rectangles("#ffffff") == [(0.0, pytest.approx(0.05))]
    assert ("ms per sample (batch + input wait, totals over counted steps)"
            in chart.texts)


def test_per_sample_without_runs_says_no_ratio():
    chart = Chart(charts.per_sample_chart({}))
    assert chart.texts[-1] == ("fit vs predict per sample: n/a (no train "
                               "and predict runs both)")


@pytest.mark.parametrize("args, said", [
    ((2.5,), "fit vs predict per sample: 2.5x"),
    ((2.5, 2.25), "fit vs predict per sample: 2.5x"),
    ((2.5, None, 2.75), "fit vs predict per sample: 2.5x"),
    ((2.5, math.nan, 2.75), "fit vs predict per sample: 2.5x"),
    ((2.5, 2.25, math.nan), "fit vs predict per sample: 2.5x"),
    ((3, 2, 4), "fit vs predict per sample: 3x (95% interval 2 - 4)"),
    ((1.23456, 1.11111, 1.98765),
     "fit vs predict per sample: 1.23x (95% interval 1.11 - 1.99)"),
    ((None,), "fit vs predict per sample: n/a (no train and predict runs "
              "both)"),
    (("2",), "fit vs predict per sample: n/a (no train and predict runs "
             "both)"),
])
def test_ratio_text(args, said):
    assert charts.ratio_text(*args) == said


def test_between_twenty_over_and_twenty_times_the_smallest_is_linear():
    # 30 ms beside 2 ms steps: 15x, not above 20x (20 / 2 would be).
    svg = charts.step_chart("t", [_t(1, 30.0, StepKind.FIRST)]
                            + [_t(s, 2.0 + s % 2) for s in range(2, 6)])
    assert r"\mathdefault{10^{" not in svg


def test_every_second_point_is_said():
    n = charts.MAX_POINTS + 1   # ceil(3001 / 3000) = 2
    chart = Chart(charts.step_chart("t", [_t(s, 1.0 + s % 3)
                                          for s in range(1, n + 1)]))
    assert "counted steps (every 2-th point)" in chart.texts


def test_each_bar_is_its_runs_value_top_to_bottom():
    chart = Chart(charts.per_sample_chart({
        "train": {"ms_per_sample": 0.04},
        "predict": {"ms_per_sample": 0.01}}))
    bars = []
    for _, path in chart.paths("patch_", "fill: #1f77b4"):
        top = min(float(y) for y in re.findall(r"[ML] [-\d.]+ ([-\d.]+)",
                                               path.get("d")))
        bars.append((top, max(chart.xs(path))))
    # The first run (train) on top, as the summary table lists it.
    assert [width for _, width in sorted(bars)] == [0.04, 0.01]


def test_each_kind_its_own_marker_drawn_over_the_line():
    chart = Chart(charts.step_chart("train", TWO_PASSES))
    names = list(chart.children)
    shapes = [chart.children[n].find(SVG + "defs/" + SVG + "path").get("d")
              for n in names if n.startswith("PathCollection_")]
    assert len(set(shapes)) == 4
    (line, _), = chart.paths("line2d_", "stroke: #1f77b4")
    line = line.get("id")
    assert all(names.index(n) > names.index(line) for n in names
               if n.startswith("PathCollection_"))
