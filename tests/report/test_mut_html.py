"""The report's HTML (`report.html`) on summaries of known figures and on a
launch written by hand with `RunWriter`, read back by the standard
library's `html.parser`: each cell's text and exact `data-value`, the
verdicts, the ratio, the captures, the page's frame. No Keras."""

import math
from html.parser import HTMLParser

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.analysis.steps import StepKind
from keras_timing.report import html
from report.test_compare_known import _steps
from report.test_compare_known import _write


class Cells(HTMLParser):
    """Every element's attributes and text, in document order."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.found, self._open = [], []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.found.append([tag, dict(attrs), ""])
        self._open.append(self.found[-1])

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element[2] += data

    def all(self, tag, **attrs):
        return [(a, t) for g, a, t in self.found if g == tag and all(
            a.get(k) == v for k, v in attrs.items())]


FIGURES = {"steps": 12, "p50_ms": 1.23456, "p90_ms": 2.0, "p99_ms": math.nan,
           "first_batch_ms": 345.678, "recompile_ms": 0,
           "warmup_steps": 3.0, "input_wait_share": 0.1234,
           "samples_per_sec": 12345.6, "ms_per_sample": None}


def test_summary_table_cells_text_and_exact_values():
    page = Cells(html.summary_table({"train": dict(FIGURES, verdict={
        "bound": "host"})}))
    heads = [t for _, t in page.all("th")]
    assert heads == ["run", "steps", "p50 ms", "p90 ms", "p99 ms",
                     "first batch ms", "recompile ms", "warm-up steps",
                     "input wait", "samples/s", "ms/sample", "bound"]
    cells = page.all("td")
    assert [t for _, t in cells] == [
        "train", "12", "1.23", "2", "n/a", "345.7", "0", "3", "12.3%",
        "12,346", "n/a", "host"]
    assert [a.get("data-value") for a, _ in cells] == [
        None, "12", "1.23456", "2.0", None, "345.678", "0", "3.0", "0.1234",
        "12345.6", None, None]
    assert [a.get("class") for a, _ in cells] == [None] + ["n"] * 10 + [None]
    assert len(page.all("tr", **{"data-run": "train"})) == 1
    assert page.all("table", **{"class": "summary"})


def test_a_missing_figure_a_partial_run_and_no_verdict():
    page = Cells(html.summary_table({
        "predict<1>": {"steps": 2, "partial": True},
        "train": {"steps": 1, "verdict": {"bound": None}},
        "evaluate": {"steps": 1, "verdict": None}}))
    rows = page.all("tr")
    assert [a.get("data-run") for a, _ in rows] == [
        None, "predict<1>", "train", "evaluate"]
    assert rows[1][1].startswith("predict<1> (partial)")
    assert page.all("span", **{"class": "partial"}) == [
        ({"class": "partial"}, "(partial)")]
    cells = [t for _, t in page.all("td")]
    assert cells[:2] == ["predict<1> (partial)", "2"]
    assert cells[2:11] == ["n/a"] * 9
    # No verdict, or one without a bound: "n/a".
    assert cells[11] == "n/a" and cells[23] == "n/a" and cells[-1] == "n/a"
    assert "<td>predict&lt;1&gt;" in html.summary_table(
        {"predict<1>": {"steps": 2}})


def _launch(**fields):
    return dict({"launch": "l<&>", "runs": {
        "train": {"steps": 3, "verdict": {"bound": "host", "why": "w<1>",
                                          "advice": ["a&b", "c"]}},
        "predict": {"steps": 3, "verdict": {"bound": None, "why": "none",
                                            "advice": None}},
        "evaluate": {"steps": 3}}}, **fields)


def test_verdicts_with_their_evidence_and_advice():
    out = html.verdict_list(_launch()["runs"])
    assert out == (
        '<ul class="verdicts"><li><b>train</b>: host-bound: w&lt;1&gt;'
        '<br>try: a&amp;b<br>try: c</li><li><b>predict</b>: no verdict: '
        'none</li></ul>')
    assert html.verdict_list({"train": {"steps": 1}}) == ""
    assert html.verdict_list({}) == ""


def test_the_ratio_with_its_interval_partial_and_note():
    page = Cells(html.launch_table(_launch(
        fit_predict_ratio=2.5, fit_predict_ratio_low=2.25,
        fit_predict_ratio_high=2.75, fit_predict_ratio_partial=True,
        fit_predict_ratio_note="a <note>")))
    ((attrs, said),) = page.all("p", **{"class": "ratio"})
    assert attrs["data-value"] == "2.5"
    assert said == ("fit vs predict per sample: 2.5x (95% interval 2.25 - "
                    "2.75) (rests on a partial run); a <note>")


def test_a_ratio_without_interval_note_or_value():
    page = Cells(html.launch_table(_launch(fit_predict_ratio=3.0)))
    ((attrs, said),) = page.all("p", **{"class": "ratio"})
    assert attrs == {"class": "ratio", "data-value": "3.0"}
    assert said == "fit vs predict per sample: 3x"
    for ratio in ({}, {"fit_predict_ratio": math.nan},
                  {"fit_predict_ratio": None}):
        ((attrs, said),) = Cells(html.launch_table(_launch(**ratio))).all(
            "p", **{"class": "ratio"})
        assert attrs == {"class": "ratio"}
        assert said == ("fit vs predict per sample: n/a (no train and "
                        "predict runs both)")


def test_launch_table_title_table_partial_note_ratio_verdicts_in_order():
    launch = _launch(fit_predict_ratio_partial=True)
    launch["runs"]["predict"]["partial"] = True
    out = html.launch_table(launch)
    assert out.startswith("<h2>l&lt;&amp;&gt;</h2>\n<table class=\"summary\">")
    page = Cells(out)
    assert page.all("p", **{"class": "partial"}) == [(
        {"class": "partial"}, "partial: predict: an event file is damaged; "
        "the figures hold only the steps read before the damage; the fit vs "
        "predict ratio rests on a partial run")]
    order = [out.index(s) for s in ("<h2>", "<table", 'p class="partial"',
                                    'p class="ratio"', "<ul")]
    assert order == sorted(order)
    # Nothing partial, no verdicts: no note and no empty list, no blank line.
    bare = html.launch_table({"launch": 7, "runs": {"train": {"steps": 1}}})
    assert "partial" not in bare and "<ul" not in bare
    assert bare.startswith("<h2>7</h2>\n<table")
    assert "\n\n" not in bare and not bare.endswith("\n")


CAPTURES = {"train": [{"steps": [12, 13], "file": "t/a&b.xplane.pb",
                       "bytes": 2345, "open_in": "TensorBoard's Profile tab"},
                      {"steps": None, "file": "t/c.xplane.pb", "bytes": 50}],
            "predict": [{"steps": [2, 3], "file": "p/h.pt.trace.json",
                         "bytes": 1000, "open_in": None}]}


def test_captures_table_and_where_each_opens():
    out = html.launch_section(_launch(captures=CAPTURES))
    page = Cells(out)
    (table,) = page.all("table", **{"class": "captures"})
    rows = [t for _, t in page.all("td")][-15:]
    assert rows == ["train", "12-13", "t/a&b.xplane.pb", "2.3",
                    "TensorBoard's Profile tab",
                    "train", "?", "t/c.xplane.pb", "0.1", "unknown",
                    "predict", "2-3", "p/h.pt.trace.json", "1.0", "unknown"]
    assert [t for _, t in page.all("th")][-5:] == [
        "run", "steps", "file", "kB", "opens in"]
    assert "<h3>Profiler captures</h3>" in out
    assert ("open it in https://ui.perfetto.dev or chrome://tracing.</p>"
            in out)
    assert "t/a&amp;b.xplane.pb" in out
    assert "Profiler captures" not in html.launch_section(_launch())
    assert "Profiler captures" not in html.launch_section(
        _launch(captures={}))


def test_a_section_holds_the_table_the_per_sample_chart_and_the_note():
    out = html.launch_section(_launch(fit_predict_ratio=2.0))
    assert out.startswith('<section data-launch="l&lt;&amp;&gt;">\n<h2>')
    assert out.endswith("\n</section>")
    assert out.count("<svg") == 1
    assert "<h3>Fit vs predict, per sample</h3>" in out
    assert ('<p class="note">%s</p>' % html.html.escape(html.PER_SAMPLE_NOTE)
            in out)
    assert "Step times" not in out


@pytest.fixture
def scanned(tmp_path):
    first = [(1, 300.0, 0.0, 32, StepKind.FIRST, 1, True)]
    _write(tmp_path / "l" / schema.TRAIN, first + _steps(3.0, n=8))
    _write(tmp_path / "l" / schema.PREDICT, first + _steps(1.0, n=8))
    # A run folder with no points: no step chart.
    _write(tmp_path / "l" / "predict_empty", [])
    return report.scan(str(tmp_path))


def test_the_page_charts_each_run_with_points(scanned):
    result = report.report(scanned)
    page = html.page(result, scanned, title="T<1>")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta '
                           'charset="utf-8"><title>T&lt;1&gt;</title><style>')
    assert "<h1>T&lt;1&gt;</h1>" in page and page.endswith(
        "</body></html>\n")
    # The per-sample chart and one step chart per run with points.
    assert page.count("<svg") == 3
    assert page.count("<h3>Step times</h3>") == 1
    assert "train: batch_ms per step" in page
    assert "predict: batch_ms per step" in page
    assert page.index("train: batch_ms") < page.index("predict: batch_ms")
    # Without the scan: no step charts.
    assert html.page(result).count("<svg") == 1
    assert "<h1>keras_timing report</h1>" in html.page(result)


def test_write_writes_the_page_as_utf8(scanned, tmp_path):
    result = report.report(scanned)
    result[0]["runs"]["train"]["verdict"]["why"] = "é"
    path = str(tmp_path / "r.html")
    assert html.write(path, result, scanned) is None
    with open(path, encoding="utf-8") as f:
        written = f.read()
    assert written.count("<svg") == 3 and "é" in written


class Timer:
    """What `timer_html` reads of a `FitPredictTimer`: `summaries()`,
    `launch_dir` and, once a fit and a predict are timed, the ratio's
    interval."""

    def __init__(self, summaries, launch_dir, interval=None):
        self._summaries, self.launch_dir = summaries, launch_dir
        if interval:
            self.fit_predict_interval = interval

    def summaries(self):
        return {run: dict(s) for run, s in self._summaries.items()}


def test_a_live_timers_launch(scanned):
    (launch,) = report.report(scanned)
    runs = {r: {k: v for k, v in s.items() if k != "verdict"}
            for r, s in launch["runs"].items()}
    timed = html.timer_launch(Timer(runs, "/logs/l", (1.5, 2.5)))
    assert timed["launch"] == "/logs/l"
    assert timed["fit_predict_ratio"] == pytest.approx(2.0)
    assert (timed["fit_predict_ratio_low"],
            timed["fit_predict_ratio_high"]) == (1.5, 2.5)
    # Each run's verdict as the report gives it (input wait measured).
    for run in runs:
        assert timed["runs"][run]["verdict"] == launch["runs"][run][
            "verdict"]
    bare = html.timer_launch(Timer(runs, None))
    assert bare["launch"] == "(nothing timed yet)"
    assert (bare["fit_predict_ratio_low"],
            bare["fit_predict_ratio_high"]) == (None, None)
    out = html.timer_html(Timer(runs, "/logs/l", (1.5, 2.5)))
    assert out.startswith('<div class="keras_timing"><h2>/logs/l</h2>')
    assert out.endswith('<p class="note">%s</p></div>'
                        % html.html.escape(html.PER_SAMPLE_NOTE))
    (ratio,) = Cells(out).all("p", **{"class": "ratio"})
    assert ratio[1] == ("fit vs predict per sample: 2x (95% interval 1.5 - "
                        "2.5)")
    assert html.timer_html(Timer({}, "/logs/l")) == (
        "<p>keras_timing: no call timed yet</p>")


def test_the_captures_table_markup():
    out = html.launch_section(_launch(captures={"train": CAPTURES["train"][
        :1]}))
    table = out[out.index('<table class="captures">'):]
    assert table[:table.index("</table>") + 8] == (
        '<table class="captures"><tr><th>run</th><th>steps</th><th>file'
        '</th><th>kB</th><th>opens in</th></tr>\n<tr><td>train</td><td>'
        '12-13</td><td>t/a&amp;b.xplane.pb</td><td class="n">2.3</td><td>'
        "TensorBoard&#x27;s Profile tab</td></tr></table>")

