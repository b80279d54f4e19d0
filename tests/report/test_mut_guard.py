"""`--fail-if-slower`'s rule (`report.guard`) on rows of known ratio and
interval: the exact line a CI log shows, the exit code, the boundary (an
interval whose low end sits exactly on 1 + PCT / 100 passes) and the
argument's errors. Pure: no Keras, no event files."""

import math

import pytest

from keras_timing.report import guard


def _row(run, ratio, low, high, unit="sample"):
    return {"run": run, "ratio": ratio, "ratio_low": low,
            "ratio_high": high, "unit": unit}


@pytest.mark.parametrize("text, pct", [("5", 5.0), ("2.5", 2.5), ("0", 0.0),
                                       (" 7 ", 7.0), ("1e1", 10.0)])
def test_threshold_reads_a_percentage(text, pct):
    assert guard.threshold(text) == pct


@pytest.mark.parametrize("text", ["-1", "-0.001", "nan", "inf", "-inf",
                                  "five", "", None])
def test_threshold_refuses_naming_the_flag_and_the_value(text):
    with pytest.raises(ValueError) as caught:
        guard.threshold(text)
    assert str(caught.value) == (
        "--fail-if-slower takes a percentage of 0 or more (e.g. 5 for 5%%), "
        "got %r" % (text,))


def test_a_failing_run_in_full():
    code, lines = guard.check([_row("train", 1.5, 1.4, 1.6)], 10)
    assert code == 1
    assert lines == [
        "train: FAIL: B / A 1.5 per sample, 95% interval 1.4 - 1.6, above "
        "1.1: B is slower than A by more than 10%"]


def test_a_passing_run_in_full():
    code, lines = guard.check([_row("predict", 1.05, 0.98, 1.12, "step")],
                              2.5)
    assert code == 0
    assert lines == [
        "predict: ok: B / A 1.05 per step, 95% interval 0.98 - 1.12, not "
        "wholly above 1.02: no slowdown of more than 2.5% shown"]


def test_three_significant_digits_in_the_line():
    _, (line,) = guard.check([_row("t", 1.23456, 1.11111, 1.98765)], 50)
    assert line.startswith("t: ok: B / A 1.23 per sample, 95% interval "
                           "1.11 - 1.99, not wholly above 1.5:")


def test_a_low_end_exactly_on_the_limit_passes():
    # 1 + 25 / 100 = 1.25 exactly in binary floating point.
    assert guard.check([_row("train", 1.3, 1.25, 1.4)], 25)[0] == 0
    assert guard.check([_row("train", 1.3, math.nextafter(1.25, 2), 1.4)],
                       25)[0] == 1


def test_the_limit_is_one_plus_pct_over_a_hundred_not_pct():
    # A ratio of 1.3 is more than 20% slower and less than 40%.
    assert guard.check([_row("train", 1.3, 1.3, 1.3)], 20)[0] == 1
    assert guard.check([_row("train", 1.3, 1.3, 1.3)], 40)[0] == 0
    # Zero allows no slowdown at all: any low end above 1 fails.
    assert guard.check([_row("train", 1.01, 1.001, 1.02)], 0)[0] == 1
    assert guard.check([_row("train", 1.0, 0.999, 1.02)], 0)[0] == 0


def test_only_the_low_end_decides():
    # A point estimate far above the limit with an interval reaching it.
    assert guard.check([_row("train", 3.0, 1.0, 5.0)], 10)[0] == 0
    # A high end below the limit cannot fail however the rest reads.
    assert guard.check([_row("train", 1.2, 1.2, 1.05)], 10)[0] == 1


def test_one_failing_run_of_several_fails_and_each_run_has_its_line():
    rows = [_row("train", 2.0, 1.9, 2.1), _row("validation", 1.0, 0.9, 1.1),
            _row("predict", 1.0, 0.9, 1.1)]
    code, lines = guard.check(rows, 5)
    assert code == 1
    assert [line.split(":")[:2] for line in lines] == [
        ["train", " FAIL"], ["validation", " ok"], ["predict", " ok"]]
    # A failure before a pass is not undone by the pass.
    assert guard.check(rows[::-1], 5)[0] == 1


def test_no_rows_pass():
    assert guard.check([], 5) == (0, [])
