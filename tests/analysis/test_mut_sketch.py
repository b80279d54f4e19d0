"""`Sketch.add_many` against `add` of each value: without weights, over
several blocks (the writer adds one per drain), with zeros, and with the
float32 values that event files hold. Known values; the quantile's rank
is `q * (count - 1)`, counted from the lowest value."""

import numpy as np
import pytest

from keras_timing.analysis.sketch import Sketch


def _one_by_one(values):
    s = Sketch()
    for v in values:
        s.add(v)
    return s


def test_a_block_without_weights_counts_each_value_once():
    s = Sketch()
    s.add_many([4.0, 1.0, 2.0])
    assert (s.count, s.total, s.min, s.max) == (3, 7.0, 1.0, 4.0)
    assert s.quantile(0.5) == _one_by_one([4.0, 1.0, 2.0]).quantile(0.5)


def test_blocks_add_up_in_the_buckets_they_share():
    # 1.0 twice and 100.0 once: the median (rank 1) is 1.0, as when the
    # three are added one by one.
    s = Sketch()
    s.add(1.0)
    s.add_many([1.0, 100.0])
    assert s.quantile(0.5) == 1.0
    s = Sketch()
    s.add_many([1.0])
    s.add_many([1.0, 100.0])
    assert s.quantile(0.5) == 1.0


def test_zeros_of_several_blocks_add_up():
    # Two blocks of a zero and a 1.0: ranks 0 and 1 are zeros, so the
    # 40% quantile (rank 1.2) is still 0 and the 70% (rank 2.1) is 1.0
    # (within the relative error: its bucket's middle).
    s = Sketch()
    s.add_many([0.0, 1.0])
    s.add_many([0.0, 1.0])
    assert s.quantile(0.4) == 0.0
    assert s.quantile(0.7) == pytest.approx(1.0, rel=0.005)
    assert len(s) == 2   # one bucket and the zeros


def test_float32_values_fall_in_the_buckets_of_their_float64_value():
    # 79.046516 lies within float32's error of a bucket edge: float32
    # logarithms put it one bucket lower than `add` does.
    values = np.array([0.5, 79.046516, 1000.0], np.float32)
    s = Sketch()
    s.add_many(values)
    expected = _one_by_one(values)
    assert [s.quantile(q) for q in (0.0, 0.5, 1.0)] == [
        expected.quantile(q) for q in (0.0, 0.5, 1.0)]
    assert s.quantile(0.5) > float(values[1])
