"""The streaming sketch against numpy's exact percentiles."""

import numpy as np
import pytest

from keras_timing.timer.sketch import Sketch


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
