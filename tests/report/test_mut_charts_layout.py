"""Where the report's charts (`report.charts`) put things, read back from
the SVG with ElementTree in the SVG's own points: the legend beside the
plot and inside the picture, titles at the axes' left, the charts of one
page equally wide, the per-sample chart growing by one bar's room per run,
bar labels clear of their bars, a faint grid, and the colours kept under a
notebook's own matplotlib style. No Keras."""

import re
import xml.etree.ElementTree as ET

import matplotlib.style
import pytest

from keras_timing.report import charts
from report.test_mut_charts import SVG
from report.test_mut_charts import TWO_PASSES
from report.test_mut_charts import Chart


def _box(path):
    """(left, top, right, bottom) of a `<path>`, in the SVG's points."""
    points = [(float(x), float(y)) for x, y in
              re.findall(r"([-\d.]+) ([-\d.]+)", path.get("d"))]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _group(svg, name):
    return next(g for g in ET.fromstring(svg).iter(SVG + "g")
                if g.get("id") == name)


def _axes_box(svg):
    # The axes' background is the first thing drawn in them.
    return _box(_group(svg, "axes_1").find(SVG + "g/" + SVG + "path"))


def _texts(svg):
    """{text: (x, font size, anchor)} of every text drawn."""
    out = {}
    for t in ET.fromstring(svg).iter(SVG + "text"):
        style = t.get("style")
        if style is None:
            continue
        out[t.text] = (float(t.get("x")),
                       float(re.search(r"font-size: ([\d.]+)px",
                                       style).group(1)),
                       re.search(r"text-anchor: (\w+)", style).group(1))
    return out


PER_SAMPLE = {"train": {"ms_per_sample": 0.04},
              "predict": {"ms_per_sample": 0.01}}


def test_the_legend_is_beside_the_plot_top_aligned_and_inside_the_picture():
    svg = charts.step_chart("train", TWO_PASSES)
    left, top, right, bottom = _axes_box(svg)
    frame = _box(_group(svg, "legend_1").find(SVG + "g/" + SVG + "path"))
    # Right of the axes (a marked step may sit under a legend on them),
    # a few points away, its top level with the axes' top.
    assert right < frame[0] < right + 0.02 * (right - left)
    assert top <= frame[1] < top + 0.05 * (bottom - top)
    # The picture is cut to hold it: nothing hangs off its right edge.
    width = float(ET.fromstring(svg).get("viewBox").split()[2])
    assert frame[2] < width


def test_the_legend_is_smaller_print_than_the_axis_labels():
    texts = _texts(charts.step_chart("train", TWO_PASSES))
    assert texts["counted steps"][1] < texts["global step"][1]
    assert texts["counted steps"][1] < texts["batch_ms"][1]


def test_titles_start_at_the_axes_left_edge_in_one_size():
    step = charts.step_chart("train", TWO_PASSES)
    per_sample = charts.per_sample_chart(PER_SAMPLE, 4.0, 3.5, 4.5)
    sizes = []
    for svg, title in [(step, "train: batch_ms per step"), (
            per_sample, "fit vs predict per sample: 4x (95% interval "
                        "3.5 - 4.5)")]:
        x, size, anchor = _texts(svg)[title]
        assert (x, anchor) == (pytest.approx(_axes_box(svg)[0]), "start")
        sizes.append(size)
    assert sizes[0] == sizes[1]


def test_the_charts_of_a_page_are_equally_wide():
    # Stacked in one column, their axes line up.
    def width(svg):
        left, _, right, _ = _axes_box(svg)
        return right - left
    assert width(charts.step_chart("t", TWO_PASSES)) == pytest.approx(
        width(charts.per_sample_chart(PER_SAMPLE)))


def test_the_per_sample_chart_grows_by_the_same_room_per_run():
    def height(n):
        runs = {"run%d" % i: {"ms_per_sample": 0.01 * (i + 1)}
                for i in range(n)}
        _, top, _, bottom = _axes_box(charts.per_sample_chart(runs))
        return bottom - top
    one, two, three = height(1), height(2), height(3)
    assert two - one == pytest.approx(three - two) and two > one
    # No run measured: the room of one, not a collapsed strip.
    assert height(0) == pytest.approx(one)


def test_a_bars_label_starts_clear_of_its_bar():
    chart = Chart(charts.per_sample_chart(PER_SAMPLE))
    ends = sorted(_box(path)[2] for _, path in chart.paths(
        "patch_", "fill: #1f77b4"))
    texts = _texts(chart.svg)
    starts = sorted(texts[label][0] for label in ["0.01 ms", "0.04 ms"])
    assert all(start - end >= 1 for start, end in zip(starts, ends))


def test_the_grid_is_faint():
    chart = Chart(charts.step_chart("t", TWO_PASSES))
    grid = [p.get("style") for g in _group(chart.svg, "axes_1").iter(SVG + "g")
            if (g.get("id") or "").startswith(("xtick_", "ytick_"))
            for p in g.findall(SVG + "g/" + SVG + "path")
            if "stroke: #b0b0b0" in (p.get("style") or "")]
    opacities = [float(re.search(r"stroke-opacity: ([\d.]+)", s).group(1))
                 for s in grid]
    assert len(opacities) >= 4 and max(opacities) <= 0.5


def test_a_notebooks_style_does_not_recolour_the_charts():
    # ggplot's first colour is a red beside the first batch's marker.
    with matplotlib.style.context("ggplot"):
        step = Chart(charts.step_chart("train", TWO_PASSES))
        per_sample = Chart(charts.per_sample_chart(PER_SAMPLE))
    assert step.lines("#1f77b4")[0] == [2, 3, 4, 5, 6, 8, 11, 12, 13, 14]
    assert [c for c, _ in step.markers()[:4]] == [
        "#d62728", "#ff7f0e", "#7f7f7f", "#9467bd"]
    assert len(per_sample.paths("patch_", "fill: #1f77b4")) == 2
    # The style did apply: ggplot's grey axes background.
    assert [c for c in [step, per_sample] if c.paths("patch_",
                                                     "fill: #e5e5e5")] == [
        step, per_sample]


def test_warm_up_shading_is_under_the_grid_and_the_line():
    chart = Chart(charts.step_chart("train", TWO_PASSES))
    names = list(chart.children)
    (shade, _), = chart.paths("patch_", "fill: " + charts.WARMUP_COLOR)
    (line, _), = chart.paths("line2d_", "stroke: #1f77b4")
    assert (names.index(shade.get("id")) < names.index("matplotlib.axis_1")
            < names.index(line.get("id")))
