"""The summary's throughput line at each SI prefix and its boundaries: the
FLOP figures span fifteen orders of magnitude between a tiny dense model on
a CPU and a large one on a GPU, and the line is public output."""

import math

import pytest

from keras_timing.analysis import summary


def _throughput_line(flops_per_sample, flops_per_sec):
    s = {"run": "predict", "steps": 10, "p50_ms": 1.0, "p90_ms": 1.0,
         "p99_ms": 1.0, "first_batch_ms": 9.0, "input_wait_share": 0.0,
         "samples_per_sec": 1000.0, "ms_per_sample": 1.0,
         "flops_per_sample": flops_per_sample,
         "tflops_per_sec": flops_per_sec / 1e12, "mfu": math.nan}
    (line,) = [text for text in summary.lines(s) if "FLOP" in text]
    return line


@pytest.mark.parametrize("flops_per_sample, flops_per_sec, expected", [
    # Each prefix from exactly its factor: 1e12 is 1 T, not 1e+03 G.
    (1e3, 1e12, "  1 kFLOP per sample, 1 TFLOP/s"),
    (1e6, 1e9, "  1 MFLOP per sample, 1 GFLOP/s"),
    (999.0, 2.5e6, "  999 FLOP per sample, 2.5 MFLOP/s"),
    (4.56e9, 1234.0, "  4.56 GFLOP per sample, 1.23 kFLOP/s"),
    # Beyond the largest prefix, and below 1: three digits, with exponent.
    (2.0e15, 1.5e16, "  2e+03 TFLOP per sample, 1.5e+04 TFLOP/s"),
    (5.0, 2e-5, "  5 FLOP per sample, 2e-05 FLOP/s"),
])
def test_flop_figures_carry_their_si_prefix(flops_per_sample, flops_per_sec,
                                            expected):
    assert _throughput_line(flops_per_sample, flops_per_sec) == expected


def test_a_flop_rate_not_measured_reads_n_a():
    assert _throughput_line(1e6, math.nan) == (
        "  1 MFLOP per sample, n/a FLOP/s")


def _wait_line(**changes):
    s = {"run": "train", "steps": 10, "p50_ms": 1.0, "p90_ms": 1.0,
         "p99_ms": 1.0, "first_batch_ms": 9.0, "input_wait_share": 0.0,
         "samples_per_sec": 1000.0, "ms_per_sample": 1.0}
    s.update(changes)
    return summary.lines(s)[1]


def test_whose_samples_where_several_processes_ran():
    tail = "1,000 samples/s; 1 ms per sample (batch + input wait)"
    assert _wait_line().endswith(tail)
    assert _wait_line(processes=1, samples_scope="global").endswith(tail)
    assert _wait_line(processes=4, samples_scope="global").endswith(
        tail + "; samples: global, all 4 processes'")
    assert _wait_line(processes=2, samples_scope="process").endswith(
        tail + "; samples: this process's alone")


def test_the_ratio_line_with_its_interval_and_note_ends_the_table():
    table = summary.markdown([], 2.126, "per step", 1.94, 2.35,
                             "a wide interval")
    assert table.endswith(
        "|\n\nfit vs predict, per step, compilation and warm-up left out: "
        "a training step costs 2.13x (95%: 1.9-2.4x) a predict step\n"
        "  a wide interval\n")
    # No ratio but a reason: the reason is the line.
    assert summary.markdown([], note="predict had no counted step").endswith(
        "|\n\nfit vs predict: no ratio: predict had no counted step\n")
    assert summary.markdown([]).endswith("|---:|\n")
    assert summary.ratio_line(math.nan) == (
        "fit vs predict: no ratio: no run of both")
