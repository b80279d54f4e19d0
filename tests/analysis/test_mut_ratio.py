"""The ratio's bootstrap and the bounded reservoir (`analysis.ratio`) on
hand-made points whose answers are known without the code: a side of equal
points resamples to its own total every time, a point left out of every
resample shows as an interval that misses the ratio, and a uniform sample
keeps each of N points with chance capacity / N."""

import numpy as np
import pytest

from keras_timing.analysis import ratio
from keras_timing.analysis.ratio import Points
from keras_timing.analysis.ratio import Reservoir
from keras_timing.analysis.ratio import interval


def _side(ms, per=1.0, seen=None):
    ms = np.asarray(ms, dtype=float)
    return Points(ms, np.full(ms.size, per), seen)


@pytest.mark.parametrize("resamples", [1, 2, 7])
def test_equal_points_resample_to_their_own_total(resamples):
    # 3 ms a point over 1.5 ms a point: every resample says 2.
    got = interval(_side([3.0] * 4), _side([1.5] * 3), resamples=resamples)
    assert (got.ratio, got.low, got.high, got.spread) == (2.0, 2.0, 2.0,
                                                          (0.0, 0.0))


@pytest.mark.parametrize("first", ["top", "bottom"])
def test_the_interval_holds_the_ratio_whatever_point_comes_first(first):
    # One point 50 times the others, first: the ratio (10.8 or 1 / 10.8)
    # is inside the interval only if resamples draw that point.
    odd, even = _side([50.0, 1.0, 1.0, 1.0, 1.0]), _side([1.0, 1.0, 1.0])
    top, bottom = (odd, even) if first == "top" else (even, odd)
    got = interval(top, bottom)
    assert got.low < got.ratio < got.high
    assert got.ratio == pytest.approx(10.8 if first == "top" else 1 / 10.8)


def test_each_sides_spread_is_its_own_half_width():
    # Top 1 and 3 ms: its resampled totals end at 1 and 3, a half-width
    # of 1 around 2 (50%); the bottom's equal points: 0.
    got = interval(_side([1.0, 3.0]), _side([2.0, 2.0]))
    assert (got.ratio, got.low, got.high) == (1.0, 0.5, 1.5)
    assert got.spread == (0.5, 0.0)


def test_the_level_is_the_share_of_resampled_ratios_inside():
    rng = np.random.default_rng(5)
    top, bottom = _side(rng.lognormal(0, 0.5, 40)), _side(
        rng.lognormal(0, 0.5, 40))
    # No coverage: one point, the median of the resampled ratios.
    none = interval(top, bottom, level=0.0)
    assert none.low == none.high and none.spread == (0.0, 0.0)
    widths = [interval(top, bottom, level=level)
              for level in (0.0, 0.5, 0.8, 0.95)]
    for inner, outer in zip(widths, widths[1:]):
        assert outer.low < inner.low <= inner.high < outer.high
    assert interval(top, bottom) == widths[-1]


def test_a_sampled_side_shrinks_around_its_total():
    # A skewed side: nine 1 ms points and one of 10 ms (total 1.9), over
    # a bottom of equal 1 ms points. Standing for 4x its points, each
    # resampled total's distance from 1.9 halves: both ends, each its own.
    ms = [1.0] * 9 + [10.0]
    whole = interval(_side(ms), _side([1.0] * 10))
    sampled = interval(_side(ms, seen=40), _side([1.0] * 10))
    assert whole.ratio == sampled.ratio == pytest.approx(1.9)
    assert sampled.high - 1.9 == pytest.approx((whole.high - 1.9) / 2,
                                               rel=1e-9)
    assert 1.9 - sampled.low == pytest.approx((1.9 - whole.low) / 2,
                                              rel=1e-9)
    assert whole.high - 1.9 > 2 * (1.9 - whole.low)   # skewed indeed
    assert sampled.spread[0] == pytest.approx(whole.spread[0] / 2, rel=1e-9)


def test_a_uniform_sample_keeps_every_point_alike():
    # 1,000 reservoirs of 50 over 100 points: each point kept half the
    # time, 5,000 of the 50,000 kept in each tenth of the stream (binomial
    # spread about 1%; 5% is 5 of them).
    kept = np.concatenate([_fed(Reservoir(capacity=50, seed=s), 100)
                           for s in range(1000)])
    tenths = np.histogram(kept, bins=10, range=(0, 100))[0]
    assert tenths.sum() == 50_000
    assert np.all(np.abs(tenths / 5000 - 1) < 0.05), tenths


def _fed(r, n, start=0):
    for i in range(start, start + n):
        r.add(float(i), 32, 1)
    return r.rows()[:, 0].copy()


def test_a_seed_repeats_its_choice():
    same = [_fed(Reservoir(capacity=10, seed=5), 1000) for _ in range(2)]
    assert np.array_equal(*same)
    assert not np.array_equal(same[0], _fed(Reservoir(capacity=10, seed=6),
                                            1000))


def test_unknown_sizes_stay_out_of_the_per_sample_points():
    r = Reservoir()
    for ms, samples, steps in ((1.0, None, 1), (2.0, 0, 1), (3.0, 1, 1),
                               (4.0, 32, 2)):
        r.add(ms, samples, steps)
    per_sample, per_step = r.points(True), r.points(False)
    assert (list(per_sample.ms), list(per_sample.per), per_sample.seen) == (
        [3.0, 4.0], [1.0, 32.0], 2)
    assert (list(per_step.ms), list(per_step.per), per_step.seen) == (
        [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 2.0], 4)


def test_unknown_sizes_that_replace_kept_points_stay_out_too():
    r = Reservoir(capacity=10)
    for i in range(10):
        r.add(1.0, 32, 1)
    for i in range(20):
        r.add(2.0, None, 1)
    kept = r.points(True)
    assert 0 < kept.count < 10 and set(kept.per) == {32.0}
    assert kept.seen == round(30 * kept.count / 10)


def test_an_empty_reservoir_has_no_points():
    for per_sample in (True, False):
        got = Reservoir().points(per_sample)
        assert (got.count, got.seen) == (0, 0)


def test_the_drawn_points_are_distinct_in_order_and_repeat():
    r = Reservoir()
    _fed(r, 3000)
    for per_sample in (True, False):
        got = r.points(per_sample)
        assert (got.count, got.seen) == (ratio.DRAWN, 3000)
        assert np.all(np.diff(got.ms) > 0)   # distinct, in step order
        assert np.array_equal(got.ms, r.points(per_sample).ms)


def test_a_union_under_capacity_keeps_every_point():
    a, b = Reservoir(capacity=100), Reservoir(capacity=100)
    _fed(a, 30)
    _fed(b, 20, start=1000)
    both = a.plus(b)
    assert both.seen == 50
    assert list(both.rows()[:, 0]) == list(range(30)) + list(range(1000,
                                                                    1020))


def test_a_union_over_capacity_keeps_each_side_in_proportion():
    # 300 and 100 points seen, 100 kept: 75 of the first, 25 of the second.
    a, b = Reservoir(capacity=100), Reservoir(capacity=100)
    kept_a, kept_b = _fed(a, 300), _fed(b, 100, start=1000)
    both = a.plus(b)
    rows = both.rows()[:, 0]
    assert both.seen == 400 and len(rows) == 100
    assert set(rows[:75]) <= set(kept_a) and set(rows[75:]) <= set(kept_b)
    assert len(np.unique(rows)) == 100    # drawn without replacement
    assert np.array_equal(rows, a.plus(b).rows()[:, 0])
    assert both.points(True).seen == 400
