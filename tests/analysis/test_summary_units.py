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
