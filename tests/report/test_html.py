"""`keras-timing report LOGDIR --html FILE`, rendered by headless Chromium:
the DOM the browser built and a screenshot of what it drew, checked against
the event files read back by tbparse."""

import json
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import cli
from keras_timing import schema

CHROMIUM = next(filter(None, map(shutil.which, (
    "chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no headless Chromium: apt-get install chromium")


def chromium(*args):
    profile = tempfile.mkdtemp(prefix="keras_timing_test_chromium_")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--user-data-dir=" + profile, *args],
            capture_output=True, timeout=180, check=True).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Rendered(HTMLParser):
    """What the browser's DOM holds: text, the summary rows' exact values,
    the charts (SVG) and their text, and any reference out of the page."""

    def __init__(self, dom):
        super().__init__()
        self.text, self.svg_text, self.rows = [], [], {}
        self.svgs, self.outside = 0, []
        self._run, self._in_svg, self._column = None, 0, 0
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.svgs += 1
            self._in_svg += 1
        for key in ("src", "href", "xlink:href"):
            value = attrs.get(key) or "#"
            if not value.startswith(("#", "data:")):
                self.outside.append((tag, value))
        if tag in ("script", "link", "iframe", "img"):
            self.outside.append((tag, attrs))
        if tag == "tr" and "data-run" in attrs:
            self._run = attrs["data-run"]
            self.rows[self._run] = []
        if tag == "td" and self._run and "data-value" in attrs:
            self.rows[self._run].append(float(attrs["data-value"]))

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg -= 1
        if tag == "tr":
            self._run = None

    def handle_data(self, data):
        (self.svg_text if self._in_svg else self.text).append(data)


@pytest.fixture(scope="module")
def page(user_launch, tmp_path_factory):
    log_dir, timer = user_launch
    out = str(tmp_path_factory.mktemp("page") / "report.html")
    assert cli.main(["report", str(log_dir), "--html", out]) == 0
    return out


def test_the_browser_shows_the_figures_of_the_event_files(
        page, user_launch, capsys):
    log_dir, timer = user_launch
    seen = Rendered(chromium("--dump-dom", "file://" + page).decode())
    text = " ".join(seen.text)
    assert "keras_timing report" in text and "users" in text
    assert seen.outside == []
    assert list(seen.rows) == [schema.TRAIN, schema.VALIDATION,
                               schema.PREDICT]
    for run, values in seen.rows.items():
        written = read_scalars(os.path.join(timer.launch_dir, run))
        expected = [written[schema.SUMMARY_SCALARS + key][-1][1]
                    for key in ("steps", "p50_ms", "p90_ms", "p99_ms",
                                "first_batch_ms", "recompile_ms",
                                "warmup_steps", "input_wait_share",
                                "samples_per_sec", "ms_per_sample")]
        assert values == pytest.approx(expected, rel=1e-6), run
    # The ratio as the JSON report says it, with its interval where known.
    assert cli.main(["report", str(log_dir), "--json"]) == 0
    (launch,) = json.loads(capsys.readouterr().out)
    said = "fit vs predict per sample: %.3gx" % launch["fit_predict_ratio"]
    if launch.get("fit_predict_ratio_low") is not None:
        said += " (95%% interval %.3g - %.3g)" % (
            launch["fit_predict_ratio_low"], launch["fit_predict_ratio_high"])
    assert said in text
    # The verdicts with their evidence.
    for run, summary in launch["runs"].items():
        assert summary["verdict"]["why"] in text
    # One per-sample chart and one step chart per run, each marking the
    # left-out steps the event files hold.
    assert seen.svgs == 4
    charts = " ".join(seen.svg_text)
    for run in launch["runs"]:
        assert "%s: batch_ms per step" % run in charts
    assert "first batch (compilation)" in charts
    assert "warm-up (first pass, left out of totals)" in charts
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert (schema.PROFILED_MS in train) == (
        "profiled (timing/profiled_ms)" in charts)
    # The captures, and where each opens.
    (capture,) = launch["captures"][schema.TRAIN]
    assert capture["file"] in text and capture["open_in"] in text


def test_the_page_is_drawn(page, tmp_path):
    shot = str(tmp_path / "page.png")
    chromium("--hide-scrollbars", "--window-size=1200,2400",
             "--screenshot=" + shot, "file://" + page)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    # Not a blank page: text, tables and chart lines cover part of it, in
    # more than one colour (the charts' blue among the text's black).
    inked = (pixels.min(axis=-1) < 0.9).mean()
    assert 0.02 < inked < 0.9
    blue = ((pixels[..., 2] > 0.6) & (pixels[..., 0] < 0.3)).sum()
    assert blue > 500
