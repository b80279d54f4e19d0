"""The fit/predict ratio's interval and notes (`analysis.fit_predict`) on
hand-made steps whose bootstrap ends are known by hand: with two points a
side, the 2.5% and 97.5% ends of 2,000 resamples are the resamples made of
one point only (each a quarter of them), so the interval of train (a, b)
over predict (c, c) is [a / c, b / c]."""

import math

import numpy as np
import pytest

from keras_timing.analysis import fit_predict as fp_module
from keras_timing.analysis import ratio
from keras_timing.analysis.fit_predict import CallLoad
from keras_timing.analysis.fit_predict import FitPredict
from keras_timing.analysis.fit_predict import PassNotes
from keras_timing.analysis.fit_predict import SampleScope
from keras_timing.analysis.fit_predict import busy_note
from keras_timing.analysis.fit_predict import fit_predict
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime


def _stats(run, ms, samples=1, kinds=None):
    """One pass of steps of `ms` each (every step counted unless `kinds`);
    `samples`: one size for all, or one per step."""
    sizes = samples if isinstance(samples, list) else [samples] * len(ms)
    kinds = kinds or [None] * len(ms)
    s = RunStats(run)
    s.add([StepTime(i, i, m, 0.0, 0.0, k, n, opens=i == 1)
           for i, (m, n, k) in enumerate(zip(ms, sizes, kinds), start=1)],
          final=True)
    return s


def _ratio(train, predict, **kwargs):
    stats = {"train": train, "predict": predict}
    return fit_predict({r: s.summary() for r, s in stats.items()}, stats,
                       **kwargs)


def test_missing_runs_are_named_and_the_ratio_kept():
    assert fit_predict({}, {}).note == (
        "no fit and no predict of the launch's model")
    train = _stats("train", [3.0, 5.0])
    predict = _stats("predict", [1.0, 1.0])
    got = fit_predict({"predict": {"ms_per_sample": 1.0}},
                      {"train": train, "predict": predict})
    assert got.note == "no fit of the launch's model"
    # Both summaries but no predict statistics: the ratio is still said.
    got = fit_predict({"train": {"ms_per_sample": 4.0},
                       "predict": {"ms_per_sample": 2.0}}, {"train": train})
    assert (got.ratio, got.basis, got.note) == (
        2.0, "per sample", "no predict of the launch's model")
    got = fit_predict({"train": {"ms_per_step": 6.0},
                       "predict": {"ms_per_step": 2.0}}, {})
    assert (got.ratio, got.basis) == (3.0, "per step")


def test_a_run_whose_time_is_zero():
    # Predict's counted steps took 0 ms (sizes unknown): no ratio, and no
    # run lacks counted steps.
    got = _ratio(_stats("train", [3.0, 5.0]),
                 _stats("predict", [0.0, 0.0], samples=None))
    assert math.isnan(got.ratio) and math.isnan(got.low)
    assert (got.basis, got.note) == ("per sample", "a run's time is zero")


def test_both_runs_without_counted_steps_are_said_in_turn():
    got = _ratio(_stats("train", [9.0], kinds=["first"]),
                 _stats("predict", [9.0, 9.0], kinds=["first", "recompile"]))
    assert got.note == (
        "train had no step that did not compile: an epoch of 1 step; "
        "predict had no step that did not compile: a call of 2 steps whose "
        "second recompiled")


def test_an_interval_exactly_25_percent_wide_is_not_noted():
    # Train 3 and 5 ms, predict 1 ms a sample: 4x in [3, 5], +-25% exactly.
    got = _ratio(_stats("train", [3.0, 5.0]), _stats("predict", [1.0, 1.0]))
    assert got == FitPredict(4.0, 3.0, 5.0, "per sample", None)


def test_an_interval_wide_above_only_names_the_wider_run():
    # Train 2 ms; predict 1 and 1.6 ms (1.3 on average): the ratio
    # 2 / 1.3 in [2 / 1.6, 2 / 1] = [0.8125, 1.3] x the ratio.
    got = _ratio(_stats("train", [2.0, 2.0]), _stats("predict", [1.0, 1.6]))
    assert got.ratio == pytest.approx(2 / 1.3)
    assert (got.low, got.high) == pytest.approx((1.25, 2.0))
    # Predict's own half-width: (1.6 - 1) / 2 / 1.3 = 23%.
    assert got.note == ("the interval is wider than +-25%: predict needs "
                        "more steps (2 counted, +-23% on its own)")


def test_equal_spreads_name_train():
    got = _ratio(_stats("train", [1.0, 3.0]), _stats("predict", [1.0, 3.0]))
    assert (got.ratio, got.low, got.high) == pytest.approx((1.0, 1 / 3, 3.0))
    # Each side: (3 - 1) / 2 / 2 = 50% on its own.
    assert got.note == ("the interval is wider than +-25%: train needs more "
                        "steps (2 counted, +-50% on its own)")


def test_the_half_width_is_rounded_to_a_percent():
    # Train 1 and 4 ms: (4 - 1) / 2 / 2.5 = 60%.
    got = _ratio(_stats("train", [1.0, 4.0]), _stats("predict", [1.0, 1.0]))
    assert (got.low, got.high) == pytest.approx((1.0, 4.0))
    assert got.note.endswith("train needs more steps (2 counted, +-60% on "
                             "its own)")


def test_per_sample_points_weigh_each_step_by_its_samples():
    # Train: 3 ms for 1 sample, then 5 ms for 3: 8 / 4 = 2 ms a sample;
    # resampled: (3 + 3) / 2 = 3 and (5 + 5) / 6 = 5 / 3 at the ends.
    got = _ratio(_stats("train", [3.0, 5.0], samples=[1, 3]),
                 _stats("predict", [1.0, 1.0]))
    assert (got.ratio, got.basis) == (2.0, "per sample")
    assert (got.low, got.high) == pytest.approx((5 / 3, 3.0))
    assert got.note.endswith("train needs more steps (2 counted, +-33% on "
                             "its own)")


def test_unknown_batch_sizes_give_an_interval_per_step():
    got = _ratio(_stats("train", [3.0, 5.0], samples=None),
                 _stats("predict", [1.0, 1.0]))
    assert got == FitPredict(4.0, 3.0, 5.0, "per step", None)


def test_the_interval_is_scaled_to_the_exact_totals():
    # The points say 4x in [3, 5]; the summaries' exact totals say 8x:
    # the same relative interval around 8.
    stats = {"train": _stats("train", [3.0, 5.0]),
             "predict": _stats("predict", [1.0, 1.0])}
    got = fit_predict({"train": {"ms_per_sample": 8.0},
                       "predict": {"ms_per_sample": 1.0}}, stats)
    assert (got.ratio, got.low, got.high) == (8.0, 6.0, 10.0)


def test_too_few_points_name_the_short_run():
    got = _ratio(_stats("train", [3.0, 5.0]), _stats("predict", [1.0]))
    assert got.ratio == 4.0
    assert math.isnan(got.low) and math.isnan(got.high)
    assert got.note == "too few counted steps for an interval: predict has 1"
    got = _ratio(_stats("train", [3.0]), _stats("predict", [1.0]))
    assert got.note == ("too few counted steps for an interval: train has "
                        "1, predict has 1")


def test_too_few_sized_steps_of_a_long_run_are_counted_as_held():
    # 10,000 counted train steps, one of them of known size: the interval
    # has one point per sample, and the note says so (the sample of 2,048
    # of the 4,096 kept once estimated 5 sized steps, "too few" yet 5).
    train = _stats("train", [2.0] * 10_000,
                   samples=[32 if i == 3000 else None
                            for i in range(1, 10_001)])
    got = _ratio(train, _stats("predict", [1.0] * 10, samples=32))
    assert got.basis == "per sample" and got.ratio == 2.0
    assert got.note == "too few counted steps for an interval: train has 1"


def test_resamples_and_seed_reach_the_bootstrap():
    rng = np.random.default_rng(11)
    ms = {"train": 2.0 * rng.lognormal(0, 0.5, 30),
          "predict": rng.lognormal(0, 0.5, 30)}
    stats = {r: _stats(r, list(v), samples=32) for r, v in ms.items()}
    summaries = {r: s.summary() for r, s in stats.items()}
    points = [ratio.Points(ms[r], np.full(30, 32.0))
              for r in ("train", "predict")]
    for kwargs in ({}, {"resamples": 50, "seed": 3}, {"seed": 4}):
        want = ratio.interval(*points, **kwargs)
        got = fit_predict(summaries, stats, **kwargs)
        assert (got.low, got.high) == pytest.approx((want.low, want.high),
                                                    rel=1e-12)
        assert fit_predict(summaries, stats, **kwargs) == got


def test_a_sampled_run_says_every_step_it_counted():
    # 2,101 counted predict steps, three of them 100,000 ms: the interval
    # draws on 2,048 of them but the note counts all.
    slow = (700, 1400, 2100)
    predict = _stats("predict", [1e5 if i in slow else 1.0
                                 for i in range(1, 2102)])
    got = _ratio(_stats("train", [2.0] * 10), predict)
    assert got.note.startswith("the interval is wider than +-25%: predict "
                               "needs more steps (2101 counted, +-")


def test_notes_are_joined():
    train, predict = _stats("train", [2.0, 2.0]), _stats("predict",
                                                         [1.0, 1.6])
    predict.call_load.note(2.0, end=True)
    assert _ratio(train, predict).note == (
        "the interval is wider than +-25%: predict needs more steps (2 "
        "counted, +-23% on its own); the machine was busy (load above the "
        "cores this process may use) during 1 predict call (load 2.0 per "
        "core): other work may be in these figures")


def test_the_busy_note_counts_calls_of_each_run():
    got = busy_note({"train": {"busy_calls": 2, "load_per_core": 2.5},
                     "predict": {"busy_calls": 1, "load_per_core": 1.5},
                     "evaluate": {"busy_calls": 4, "load_per_core": 9.0}})
    assert got == (
        "the machine was busy (load above the cores this process may use) "
        "during 2 train calls (load 2.5 per core), 1 predict call (load 1.5 "
        "per core): other work may be in these figures")
    assert busy_note({"train": {"busy_calls": 0}, "predict": None}) is None
    # A summary written without the load (an older log) still reads.
    assert busy_note({"train": None, "predict": {"busy_calls": 1}}).endswith(
        "during 1 predict call (load nan per core): other work may be in "
        "these figures")


def test_a_call_is_busy_above_one_load_per_core_at_its_begin_or_end():
    load = CallLoad()
    assert (load.busy_calls, math.isnan(load.load_per_core)) == (0, True)
    for begin, end in ((3.0, 0.5),   # busy at its begin only
                       (1.0, 1.0),   # exactly the cores: not busy
                       (0.2, 1.5),   # busy at its end
                       (0.1, 0.3)):
        load.note(begin, end=False)
        load.note(end, end=True)
    assert load.fields() == {"busy_calls": 2, "load_per_core": 3.0}


def test_a_load_not_sampled_is_left_out():
    load = CallLoad()
    load.note(math.nan, end=True)         # no begin, no end sampled
    assert load.busy_calls == 0 and math.isnan(load.load_per_core)
    load.note(1.2, end=False)
    load.note(math.nan, end=True)         # its begin alone
    load.note(0.5, end=True)              # an end whose begin was not seen
    assert load.fields() == {"busy_calls": 1, "load_per_core": 1.2}


def test_a_pass_with_steps_a_compile_hid_has_no_counted_step():
    for kind in ("overlap", "profiled"):
        notes = PassNotes()
        notes.add(StepTime(1, 1, 1.0, 0.0, 0.0, "first", opens=True))
        notes.add(StepTime(2, 2, 1.0, 0.0, 0.0, kind))
        assert notes.why("predict").startswith(
            "predict had no counted step: a call of 2 steps whose 1 ")
    assert fp_module.PASSES_NOTED == 3


def test_a_pass_keeps_its_counted_and_profiled_steps():
    notes = PassNotes()
    for step, kind in enumerate(("first", None, "profiled", "recompile"),
                                start=1):
        notes.add(StepTime(step, step, 1.0, 0.0, 0.0, kind, opens=step == 1))
    # Steps, counted, positions that compiled again, hidden, profiled.
    assert notes.passes == [[4, 1, [4], 0, 1]]


def test_the_sample_scope_fields():
    assert SampleScope().fields() == {
        "samples_scope": "global", "samples_global": 1.0, "processes": 1}
    assert SampleScope("process", 4).fields() == {
        "samples_scope": "process", "samples_global": 0.0, "processes": 4}
