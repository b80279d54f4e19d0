"""`FitPredictTimer._repr_html_`: a notebook cell ending in the timer shows
its launch as an HTML table whose figures are those of `summaries()`, with
the verdicts the timer wrote to its Text tab and the ratio."""

import math
import os
from html.parser import HTMLParser

import pytest
from conftest import read_text

from keras_timing import schema
from keras_timing.report.html import COLUMNS


class Table(HTMLParser):
    """Rows of the summary table (`{run: {column: value}}`), the bound of
    each, the ratio's exact value and the page's text."""

    def __init__(self, markup):
        super().__init__()
        self.rows, self.bounds, self.text = {}, {}, []
        self.ratio = None
        self._run, self._cells, self._bound_next = None, [], False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-run" in attrs:
            self._run, self._cells = attrs["data-run"], []
        elif tag == "td" and self._run is not None:
            self._cells.append(attrs.get("data-value"))
        elif tag == "p" and attrs.get("class") == "ratio":
            self.ratio = float(attrs["data-value"])

    def handle_endtag(self, tag):
        if tag == "tr" and self._run is not None:
            # name, the figures, the bound
            figures = self._cells[1:1 + len(COLUMNS)]
            self.rows[self._run] = {
                key: None if v is None else float(v)
                for (key, _, _), v in zip(COLUMNS, figures)}
            self._run = None

    def handle_data(self, data):
        if self._run is not None and len(self._cells) == len(COLUMNS) + 2:
            self.bounds[self._run] = data
        self.text.append(data)


def test_the_notebook_table_holds_the_summaries(user_launch):
    _, timer = user_launch
    summaries = timer.summaries()
    markup = timer._repr_html_()
    table = Table(markup)
    assert list(table.rows) == [schema.TRAIN, schema.VALIDATION,
                                schema.PREDICT]
    for run, row in table.rows.items():
        for key, value in row.items():
            expected = summaries[run][key]
            if expected is None or (isinstance(expected, float)
                                    and math.isnan(expected)):
                assert value is None, (run, key)
            else:
                assert value == expected, (run, key)
    assert table.ratio == timer.fit_predict_ratio
    low, high = timer.fit_predict_interval
    text = "".join(table.text)
    if not math.isnan(low):
        assert "95%% interval %.3g - %.3g" % (low, high) in text
    # The verdict of each run, as the timer wrote it in its Text tab.
    assert list(table.bounds) == list(table.rows)
    for run, bound in table.bounds.items():
        (*_, written) = read_text(os.path.join(timer.launch_dir, run))
        assert "%s: %s-bound: " % (run, bound) in written
    # summaries() stays plain data: the view added nothing to it.
    assert "verdict" not in timer.summaries()[schema.TRAIN]


def test_a_timer_before_any_call_says_so(tmp_path):
    from keras_timing import FitPredictTimer

    log_dir = tmp_path / "logs"
    markup = FitPredictTimer(log_dir=str(log_dir), verbose=0)._repr_html_()
    assert "no call timed yet" in markup
    assert not log_dir.exists()
