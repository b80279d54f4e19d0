"""The ratio's interval (`analysis.ratio`): the bootstrap against scipy's,
the bounded reservoir against every point, and the notes of a missing,
wide or busy ratio, on hand-made points."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from keras_timing.analysis import fit_predict
from keras_timing.analysis import ratio
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime
from keras_timing.report import compare


def _points(rng, n, scale, batch=32):
    ms = scale * rng.lognormal(0.0, 0.4, n)
    return ratio.Points(ms, np.full(n, float(batch)))


def _scipy_interval(top, bottom):
    """scipy's percentile bootstrap of the same statistic: each side's
    (ms, samples) rows resampled on their own, ratio of totals."""
    def statistic(t, b, axis):
        return ((t[0].sum(axis=axis) / t[1].sum(axis=axis))
                / (b[0].sum(axis=axis) / b[1].sum(axis=axis)))

    found = scipy_stats.bootstrap(
        (np.vstack([top.ms, top.per]), np.vstack([bottom.ms, bottom.per])),
        statistic, paired=False, vectorized=True, axis=-1,
        n_resamples=20000, method="percentile", random_state=1)
    return found.confidence_interval


def test_the_interval_is_scipys_percentile_bootstrap():
    rng = np.random.default_rng(7)
    train, predict = _points(rng, 60, 2.0), _points(rng, 40, 1.0)
    got = ratio.interval(train, predict)
    want = _scipy_interval(train, predict)
    assert got.ratio == pytest.approx(train.total / predict.total)
    # 2,000 resamples against 20,000: the ends agree to Monte Carlo error.
    assert got.low == pytest.approx(want.low, rel=0.03)
    assert got.high == pytest.approx(want.high, rel=0.03)
    # Fixed seed: the same points, the same interval.
    assert ratio.interval(train, predict) == got


def test_too_few_points_give_no_interval():
    one = ratio.Points(np.array([1.0]), np.array([32.0]))
    two = ratio.Points(np.array([1.0, 2.0]), np.array([32.0, 32.0]))
    assert ratio.interval(two, one) is None
    assert ratio.interval(two, two) is not None


def test_compare_and_the_fit_predict_ratio_share_the_bootstrap():
    a = [StepTime(s, s, 2.0 + s % 3, 0.1, 0.0, None, 32) for s in range(30)]
    b = [StepTime(s, s, 1.0 + s % 2, 0.1, 0.0, None, 32) for s in range(30)]
    row = compare.compare_runs(a, b)
    sides = [ratio.Points(np.array([t.interval_ms for t in ts]),
                          np.array([32.0] * 30)) for ts in (b, a)]
    found = ratio.interval(*sides)
    assert (row["ratio"], row["ratio_low"], row["ratio_high"]) == (
        found.ratio, found.low, found.high)


def test_the_reservoir_stays_bounded_and_stands_for_every_point():
    rng = np.random.default_rng(3)
    ms = rng.lognormal(0.0, 0.5, 100_000)
    r = ratio.Reservoir(capacity=2000)
    for v in ms:
        r.add(float(v), 32, 1)
    assert r.seen == 100_000 and len(r.rows()) == 2000
    kept = r.points(per_sample=True)
    assert kept.seen == 100_000 and kept.count == 2000
    # A uniform sample: its mean is the whole run's, to sampling error.
    assert kept.ms.mean() == pytest.approx(ms.mean(), rel=0.05)
    # Its interval has the width a bootstrap of all points has.
    full = ratio.Points(ms, np.full(ms.size, 32.0))
    other = _points(np.random.default_rng(4), 500, 1.0)
    sub, every = ratio.interval(kept, other), ratio.interval(full, other)
    width = lambda i: (i.high - i.low) / i.ratio  # noqa: E731
    assert width(sub) == pytest.approx(width(every), rel=0.25)


def test_an_interval_draws_on_a_bounded_number_of_points():
    r = ratio.Reservoir()
    for i in range(10_000):
        r.add(1.0 + i % 7, 32, 1)
    kept = r.points(per_sample=True)
    assert len(r.rows()) == ratio.CAPACITY
    assert (kept.count, kept.seen) == (ratio.DRAWN, 10_000)


def test_the_reservoir_keeps_unknown_sizes_out_of_per_sample_points():
    r = ratio.Reservoir()
    for i in range(10):
        r.add(1.0 + i, 32 if i % 2 else -1, 1)
    per_sample, per_step = r.points(True), r.points(False)
    assert per_sample.count == per_sample.seen == 5
    assert per_step.count == 10 and per_step.per.sum() == 10


def _stats(run, kinds, ms=1.0, samples=32):
    """RunStats of one call whose steps have `kinds` (None: counted)."""
    s = RunStats(run)
    s.add([StepTime(i, i, ms * (1 + i % 3), 0.0, 0.0, k, samples,
                    opens=i == 1) for i, k in enumerate(kinds, start=1)],
          final=True)
    return s


def test_a_missing_ratio_says_why():
    train = _stats("train", ["first"] + [None] * 20)
    predict = RunStats("predict")
    for kinds in (["first"], ["first", "recompile"]):
        predict.add([StepTime(predict.steps + i, predict.steps + i, 1.0, 0.0,
                              0.0, k, 32, opens=i == 1)
                     for i, k in enumerate(kinds, start=1)], final=True)
    runs = {"train": train.summary(), "predict": predict.summary()}
    fp = fit_predict.fit_predict(runs, {"train": train, "predict": predict})
    assert math.isnan(fp.ratio)
    assert fp.note == ("predict had no step that did not compile: a call of "
                       "1 step, a call of 2 steps whose second recompiled")
    fp = fit_predict.fit_predict({"train": runs["train"]}, {"train": train})
    assert fp.note == "no predict of the launch's model"


def test_a_wide_interval_names_the_run_that_needs_more_steps():
    train = _stats("train", ["first"] + [None] * 200)
    # Four counted predict steps, one of them 50 times the others.
    predict = RunStats("predict")
    predict.add([StepTime(i, i, 50.0 if i == 3 else 1.0, 0.0, 0.0,
                          "first" if i == 1 else None, 32, opens=i == 1)
                 for i in range(1, 6)], final=True)
    runs = {"train": train.summary(), "predict": predict.summary()}
    fp = fit_predict.fit_predict(runs, {"train": train, "predict": predict})
    assert fp.low <= fp.ratio <= fp.high
    assert fp.high > 1.25 * fp.ratio or fp.low < 0.75 * fp.ratio
    assert fp.note.startswith("the interval is wider than +-25%: predict "
                              "needs more steps (4 counted")


def test_a_busy_machine_is_said():
    train = _stats("train", ["first"] + [None] * 40)
    predict = _stats("predict", ["first"] + [None] * 40)
    train.call_load.note(0.5, end=False)
    train.call_load.note(3.0, end=True)   # busy at its end
    predict.call_load.note(0.4, end=False)
    predict.call_load.note(0.6, end=True)  # quiet
    assert (train.call_load.busy_calls, predict.call_load.busy_calls) == (
        1, 0)
    runs = {"train": train.summary(), "predict": predict.summary()}
    assert runs["train"]["load_per_core"] == 3.0
    fp = fit_predict.fit_predict(runs, {"train": train, "predict": predict})
    assert "the machine was busy" in fp.note
    assert "1 train call (load 3.0 per core)" in fp.note
    assert "predict call" not in fp.note
