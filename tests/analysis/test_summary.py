"""The summary's text and the fit/predict ratio on hand-written figures.

The console lines and the Markdown table are part of the public output, so
they are compared as whole strings.
"""

import math

import pytest

from keras_timing.analysis import summary

NAN = math.nan


def _run(**changes):
    s = {"run": "train", "steps": 1200, "p50_ms": 12.345, "p90_ms": 20.0,
         "p99_ms": 1234.0, "first_batch_ms": 12346.0, "recompiles": 2,
         "recompile_ms": 456.0, "input_wait_share": 0.125,
         "samples_per_sec": 2592.1, "ms_per_sample": 0.3858,
         "ms_per_step": 12.9, "call_ms": 40000.0, "outside_steps_ms": 1000.0,
         "epoch_start_ms": 1234.0}
    s.update(changes)
    return s


def test_ratio_per_sample_where_both_batch_sizes_are_known():
    # 1.5 ms per training sample over 0.5 ms per predicted sample.
    runs = {"train": {"ms_per_sample": 1.5, "ms_per_step": 90.0},
            "predict": {"ms_per_sample": 0.5, "ms_per_step": 10.0}}
    assert summary.ratio_and_basis(runs) == (3.0, "per sample")
    assert summary.fit_predict_ratio(runs) == 3.0


@pytest.mark.parametrize("run, unknown", [
    ("predict", NAN), ("predict", None), ("predict", 0.0),
    ("train", NAN), ("train", None)])
def test_ratio_falls_back_to_per_step_where_a_batch_size_is_unknown(
        run, unknown):
    # 90 ms per training step over 10 ms per predict step.
    runs = {"train": {"ms_per_sample": 3.0, "ms_per_step": 90.0},
            "predict": {"ms_per_sample": 1.5, "ms_per_step": 10.0}}
    runs[run]["ms_per_sample"] = unknown
    assert summary.ratio_and_basis(runs) == (9.0, "per step")


@pytest.mark.parametrize("runs", [
    {"train": {"ms_per_sample": 3.0, "ms_per_step": 90.0}},
    {"predict": {"ms_per_sample": 3.0, "ms_per_step": 90.0}},
    {"train": {}, "predict": {}},
    {"train": {"ms_per_step": 1.0}, "predict": {"ms_per_step": 0.0}},
])
def test_ratio_is_nan_without_both_runs(runs):
    ratio, basis = summary.ratio_and_basis(runs)
    assert math.isnan(ratio) and basis == "per sample"
    assert math.isnan(summary.fit_predict_ratio(runs))


def test_console_lines_of_a_full_summary():
    # Three significant digits (four for compile times), thousands
    # separators for whole milliseconds; 1 - 1,000 / 40,000 of the calls'
    # time is in steps: 97.5%.
    assert summary.lines(_run(recompile_ms=23456.0)) == [
        "train: 1200 steps; batch ms p50 12.3, p90 20, p99 1.23e+03; first "
        "batch 1.235e+04 ms; 2 recompiles 2.346e+04 ms (compilation, left "
        "out)",
        "  input wait 12.5% of step time; 2,592 samples/s; 0.386 ms per "
        "sample (batch + input wait)",
        "  steps hold 97.5% of the 40,000 ms the calls took; outside steps "
        "1,000 ms (epoch starts 1,234 ms)",
    ]
    # A call of under a millisecond: 0.2 of its 0.8 ms outside steps.
    assert summary.lines(_run(call_ms=0.8, outside_steps_ms=0.2))[2] == (
        "  steps hold 75.0% of the 1 ms the calls took; outside steps 0 ms "
        "(epoch starts 1,234 ms)")


def test_console_lines_without_batch_size_calls_or_recompiles():
    s = _run(recompiles=0, ms_per_sample=NAN, samples_per_sec=NAN,
             call_ms=0.0, first_batch_ms=NAN, input_wait_share=NAN)
    assert summary.lines(s) == [
        "train: 1200 steps; batch ms p50 12.3, p90 20, p99 1.23e+03; first "
        "batch n/a ms (compilation, left out)",
        "  input wait n/a of step time; 12.9 ms per step (batch size "
        "unknown) (batch + input wait)",
    ]
    one = summary.lines(_run(recompiles=1, call_ms=None))
    assert one[0].endswith("; 1 recompile 456 ms (compilation, left out)")
    assert len(one) == 2


@pytest.mark.parametrize("run, noun", [("train", "epoch"),
                                       ("predict", "call"),
                                       ("validation", "call")])
def test_warm_up_is_named_where_it_was_left_out(run, noun):
    first = summary.lines(_run(run=run, recompiles=0, warmup_steps=32))[0]
    assert first.endswith("(compilation, left out); warm-up: the first "
                          "%s's 32 steps, left out" % noun)
    kept = summary.lines(_run(run=run, recompiles=0, warmup_steps=0))[0]
    assert kept.endswith("(compilation, left out)")


def test_short_and_ratio_lines():
    assert summary.short_line(_run(run="predict", steps=10, ms_per_step=2.5)
                              ) == "predict: 10 steps, 2.5 ms per step"
    assert summary.ratio_line(2.0, "per step") == (
        "fit vs predict, per step, compilation and warm-up left out: a "
        "training step costs 2.00x a predict step")
    # A missing ratio says why, never "n/ax".
    assert summary.ratio_line(NAN) == "fit vs predict: no ratio: no run of both"
    assert summary.ratio_line(NAN, note="predict had no counted step") == (
        "fit vs predict: no ratio: predict had no counted step")
    assert summary.ratio_line(2.134, "per sample", 1.9, 2.4, "a note") == (
        "fit vs predict, per sample, compilation and warm-up left out: a "
        "training step costs 2.13x (95%: 1.9-2.4x) a predict step\n  a note")


def test_markdown_table_and_ratio():
    head = ("| run | steps | p50 ms | p90 ms | p99 ms | first batch ms | "
            "recompile ms | warm-up steps | input wait | samples/s | "
            "ms/sample |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    train = ("| train | 1200 | 12.3 | 20 | 1.23e+03 | 1.235e+04 | 2.346e+04 | "
             "100 | 12.5% | 2,592 | 0.386 |\n")
    predict = ("| predict | 10 | 1 | 2 | 3 | n/a | n/a | 0 | 0.0% | n/a | "
               "n/a |\n")
    p = _run(run="predict", steps=10, p50_ms=1.0, p90_ms=2.0, p99_ms=3.0,
             first_batch_ms=NAN, input_wait_share=0.0,
             samples_per_sec=NAN, ms_per_sample=NAN)
    del p["recompile_ms"]
    t = _run(recompile_ms=23456.0, warmup_steps=100)
    assert summary.markdown([t, p]) == head + train + predict
    assert summary.markdown([t], 3.0) == head + train + (
        "\nfit vs predict, per sample, compilation and warm-up left out: a "
        "training step costs 3.00x a predict step\n")
    assert summary.markdown([t], 9.0, "per step").endswith(
        "\nfit vs predict, per step, compilation and warm-up left out: a "
        "training step costs 9.00x a predict step\n")


def test_throughput_and_memory_line_between_wait_and_calls():
    # 1.5e8 FLOP per sample is 150 MFLOP; 10% utilisation of the named peak.
    s = _run(flops_per_sample=1.5e8, tflops_per_sec=10.0, mfu=0.1,
             peak_label="of 989 TFLOP/s bf16", peak_memory_mb=1536.0)
    out = summary.lines(s)
    assert len(out) == 4
    assert out[2] == ("  150 MFLOP per sample, 10 TFLOP/s (10.0% of 989 "
                      "TFLOP/s bf16); peak memory 1,536 MB")
    assert out[3].startswith("  steps hold ")
    # No peak known: no utilisation; no label: "of peak".
    assert summary.lines(_run(flops_per_sample=1.5e8, tflops_per_sec=10.0,
                              mfu=NAN))[2] == (
        "  150 MFLOP per sample, 10 TFLOP/s")
    assert summary.lines(_run(flops_per_sample=1.5e8, tflops_per_sec=10.0,
                              mfu=0.25))[2] == (
        "  150 MFLOP per sample, 10 TFLOP/s (25.0% of peak)")
    assert summary.lines(_run(peak_memory_mb=12345.6))[2] == (
        "  peak memory 12,346 MB")
    # Neither known: no such line.
    assert len(summary.lines(_run(flops_per_sample=NAN,
                                  peak_memory_mb=None))) == 3
