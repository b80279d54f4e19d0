"""The streaming sketch against numpy's exact percentiles."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_timing.analysis.sketch import Sketch


@pytest.mark.parametrize("dist", ["lognormal", "uniform", "bimodal"])
def test_quantiles_within_stated_relative_error(dist):
    rng = np.random.default_rng(0)
    x = {"lognormal": rng.lognormal(0, 1, 50000),
         "uniform": rng.uniform(0.1, 10, 50000),
         "bimodal": np.concatenate([rng.normal(1, 0.05, 40000),
                                    rng.normal(30, 1, 10000)])}[dist]
    s = Sketch(relative_error=0.005)
    for v in x:
        s.add(v)
    for q in (0.1, 0.5, 0.9, 0.99):
        lo = np.quantile(x, q, method="lower")
        hi = np.quantile(x, q, method="higher")
        got = s.quantile(q)
        assert lo * (1 - 0.005) <= got <= hi * (1 + 0.005), q
    assert s.count == len(x)
    assert s.mean == pytest.approx(x.mean())


def test_memory_is_bounded_by_value_range_not_count():
    s = Sketch()
    rng = np.random.default_rng(1)
    for v in rng.uniform(1, 100, 200000):
        s.add(v)
    # log(100) / log(1.01) is about 463 buckets, however many samples.
    assert len(s) < 500


def test_weights_count_as_repeated_values():
    s = Sketch()
    s.add(1.0, weight=3)
    s.add(100.0, weight=1)
    assert s.count == 4
    assert s.quantile(0.5) == pytest.approx(1.0, rel=0.01)


def test_empty_sketch_gives_nan_and_bad_error_is_refused():
    assert np.isnan(Sketch().quantile(0.5))
    with pytest.raises(ValueError, match="relative_error"):
        Sketch(relative_error=0)


def test_quantiles_of_five_values_pick_the_lower_rank():
    # Ranks q * (5 - 1): 0 -> 1.0, 1 -> 2.0, 2 -> 3.0, 3 -> 4.0, 4 -> 5.0.
    s = Sketch()
    for v in (5.0, 3.0, 1.0, 4.0, 2.0):
        s.add(v)
    got = [s.quantile(q) for q in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert got == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0], rel=0.005)


def test_a_single_value_comes_back_exactly():
    s = Sketch()
    s.add(3.7)
    assert (s.quantile(0.5), s.min, s.max, len(s)) == (3.7, 3.7, 3.7, 1)


def test_zeros_are_counted_apart_and_weighted_mean_is_exact():
    s = Sketch()
    assert len(s) == 0
    s.add(0.0, weight=2)
    s.add(0.0)
    s.add(6.0, weight=3)
    # Six values: 0, 0, 0, 6, 6, 6; mean 18 / 6 = 3.
    assert (s.count, s.mean, len(s)) == (6, 3.0, 2)
    # Rank 0.4 * 5 = 2 is the third zero; rank 0.6 * 5 = 3 the first six.
    assert s.quantile(0.4) == 0.0
    assert s.quantile(0.6) == 6.0


def test_relative_error_must_lie_strictly_between_zero_and_one():
    assert Sketch(relative_error=0.01).relative_error == 0.01
    for bad in (1, 1.5, -0.1):
        with pytest.raises(ValueError) as err:
            Sketch(relative_error=bad)
        assert str(err.value) == (
            "relative_error must be in (0, 1), got %r" % (bad,))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.integers(1, 50)),
                min_size=1, max_size=60))
def test_a_block_added_at_once_is_the_sketch_of_each_added(rows):
    # The writer folds a block of steps with add_many: the same counts,
    # extremes, zeros and quantiles as the per-step add.
    one, block = Sketch(), Sketch()
    for v, w in rows:
        one.add(v, w)
    block.add_many([v for v, _ in rows], [w for _, w in rows])
    assert (block.count, block.min, block.max, block._zeros) == (
        one.count, one.min, one.max, one._zeros)
    assert block.total == pytest.approx(one.total, rel=1e-12, abs=1e-9)
    values = np.repeat([v for v, _ in rows], [w for _, w in rows])
    for q in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        lo = np.quantile(values, q, method="lower")
        hi = np.quantile(values, q, method="higher")
        assert lo * (1 - 0.005) <= block.quantile(q) <= hi * (1 + 0.005)


def test_an_empty_block_changes_nothing():
    s = Sketch()
    s.add_many([])
    assert (s.count, len(s)) == (0, 0) and np.isnan(s.quantile(0.5))
