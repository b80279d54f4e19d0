"""The summary's text at the edges the other summary tests do not reach:
the verdicts' whole percentages, the measured step figures' part of the
wait line, the ratio line's default basis and a call time that cannot be
a share. Known inputs, answers worked out by hand in the comments."""

import math

import pytest

from keras_timing.analysis import summary


@pytest.mark.parametrize("share, expected", [
    # From 1% up, whole percent: 5.7% reads 6%, 150% reads 150% (two
    # significant digits would say 5.7% and 1.5e+02%).
    (0.057, "6%"),
    (0.01, "1%"),
    (1.5, "150%"),
    # Below 1%, two significant digits, however small (a CPU's MFU).
    (0.00123, "0.12%"),
    (5e-7, "5e-05%"),
])
def test_the_verdicts_percentages_are_whole_from_one_percent_up(share,
                                                                expected):
    assert summary.percent(share, None) == expected


def test_the_default_percentage_has_one_decimal():
    assert summary.percent(0.05) == "5.0%"
    assert summary.percent(0.0) == "0.0%"
    assert summary.percent(math.nan, missing="-") == "-"


def _summary(**changes):
    s = {"run": "train", "steps": 10, "p50_ms": 1.0, "p90_ms": 1.0,
         "p99_ms": 1.0, "first_batch_ms": 9.0, "input_wait_share": 0.1,
         "samples_per_sec": 1000.0, "ms_per_sample": 1.0}
    s.update(changes)
    return s


def test_each_measured_step_figure_has_its_own_part_of_the_wait_line():
    # Both meters' shares, each after its own "; ", in STEP_FIGURES order.
    line = summary.lines(_summary(fetch_share=0.05,
                                  epoch_fetch_share=0.02))[1]
    assert line == ("  input wait 10.0% of step time; data read in step "
                    "5.0%; first read of each epoch 2.0%; 1,000 samples/s;"
                    " 1 ms per sample (batch + input wait)")


def test_a_meter_that_measured_nothing_says_zero_and_one_not_run_is_silent():
    # A share of 0 was measured (the meter ran, the read took no time);
    # NaN or missing: this backend has no such meter.
    line = summary.lines(_summary(fetch_share=0.0,
                                  epoch_fetch_share=math.nan))[1]
    assert "; data read in step 0.0%; 1,000 samples/s" in line
    assert "first read of each epoch" not in line


def test_a_call_time_below_zero_gives_no_share_of_it():
    # A negative wall time cannot come from one clock; the steps' share
    # of it would read over 100%, so it reads n/a.
    line = summary.lines(_summary(call_ms=-5.0, outside_steps_ms=1.0,
                                  epoch_start_ms=0.0))[-1]
    assert line == ("  steps hold n/a of the -5 ms the calls took; outside "
                    "steps 1 ms (epoch starts 0 ms)")


def test_the_calls_line_gives_the_steps_share_of_the_calls():
    # 1,250 ms of calls, 250 ms outside steps: steps hold 80%.
    line = summary.lines(_summary(call_ms=1250.0, outside_steps_ms=250.0,
                                  epoch_start_ms=1500.4))[-1]
    assert line == ("  steps hold 80.0% of the 1,250 ms the calls took; "
                    "outside steps 250 ms (epoch starts 1,500 ms)")


def test_the_ratio_line_is_per_sample_unless_told():
    assert summary.ratio_line(2.0) == (
        "fit vs predict, per sample, compilation and warm-up left out: a "
        "training step costs 2.00x a predict step")
    assert summary.ratio_line(2.0, "per step").startswith(
        "fit vs predict, per step, ")


def test_the_ratio_line_carries_its_note_on_a_line_of_its_own():
    text = summary.ratio_line(3.456, "per sample", 3.0, 4.0,
                              note="a busy machine")
    assert text.splitlines() == [
        "fit vs predict, per sample, compilation and warm-up left out: a "
        "training step costs 3.46x (95%: 3-4x) a predict step",
        "  a busy machine"]
