"""The summary's calls line with the data adapter's epoch ends (issue 19):
the time Keras's `on_epoch_end` of the data adapter took (where it stops a
`PyDataset`'s workers), its share of the calls, and the workers it
stopped. Known inputs; the answers worked out by hand in the comments."""

import pytest

from keras_timing.analysis import summary


def _calls_line(**changes):
    s = {"run": "train", "steps": 10, "p50_ms": 1.0, "p90_ms": 1.0,
         "p99_ms": 1.0, "first_batch_ms": 9.0, "input_wait_share": 0.1,
         "samples_per_sec": 1000.0, "ms_per_sample": 1.0,
         "call_ms": 1250.0, "outside_steps_ms": 250.0,
         "epoch_start_ms": 12.0}
    s.update(changes)
    out = summary.lines(s)
    # The calls line is the last; the two lines before it never change.
    assert len(out) == 3 and out[1].startswith("  input wait 10.0%")
    return out[-1]


HEAD = ("  steps hold 80.0% of the 1,250 ms the calls took; outside steps "
        "250 ms (epoch starts 12 ms")


def test_the_epoch_ends_and_the_workers_they_stopped():
    # 401 ms of 1,250: 32.08%, whole percent from 1% up: 32%.
    line = _calls_line(data_epoch_end_ms=401.0, data_workers=2)
    assert line == HEAD + "; the data adapter's epoch ends 401 ms, 32% of " \
        "the calls: a PyDataset's 2 workers stopped at each)"


def test_one_worker_is_said_and_none_is_silent():
    # 1,234.4 ms of 1,250 (thousands separated, whole ms): 99%.
    line = _calls_line(data_epoch_end_ms=1234.4, data_workers=1)
    assert line == HEAD + "; the data adapter's epoch ends 1,234 ms, 99% " \
        "of the calls: a PyDataset's 1 workers stopped at each)"
    line = _calls_line(data_epoch_end_ms=5.0, data_workers=0)
    # 5 ms of 1,250 is 0.4%: two significant digits below 1%.
    assert line == HEAD + "; the data adapter's epoch ends 5 ms, 0.4% of " \
        "the calls)"


@pytest.mark.parametrize("ends, call, said", [
    (1.0, 1250.0, True),      # from 1 ms up
    (0.99, 1250.0, False),    # below 1 ms: not worth a word
    (1.0, 1.0, True),         # a call of 1 ms: the whole of it
    (0.0, 1250.0, False),     # a run without a data adapter's epoch end
])
def test_the_epoch_ends_are_said_from_one_millisecond_up(ends, call, said):
    line = _calls_line(data_epoch_end_ms=ends, call_ms=call,
                       outside_steps_ms=0.0, data_workers=0)
    assert ("the data adapter's epoch ends" in line) is said, line
    if said:
        assert line.endswith("; the data adapter's epoch ends 1 ms, %s of "
                             "the calls)" % ("100%" if call == 1.0
                                             else "0.08%"))


def test_a_summary_without_the_figures_says_nothing_of_them():
    # A summary written before issue 19 (the report reads old runs).
    assert _calls_line() == HEAD + ")"


def test_a_ratio_of_a_hundred_and_more_prints_its_bounds_in_lower_case():
    # Two significant digits of 120 and 180: exponent form, as Python's
    # "g" writes it (lower case, like every other figure printed).
    assert summary.ratio_line(150.0, "per step", 120.0, 180.0) == (
        "fit vs predict, per step, compilation and warm-up left out: a "
        "training step costs 150.00x (95%: 1.2e+02-1.8e+02x) a predict step")
