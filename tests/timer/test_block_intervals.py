"""`intervals.bound_and_spread`'s numpy path gives what the loops give.

Random drained blocks (hypothesis) go through `bound_and_spread` and
through `bound_ends` then `spread` on copies: every end, `prev`, the last
end and every step kind must be equal, to the bit. The blocks are drawn so
that about half are plain (end hooks in order, no step compiled inside a
clump), which is the path the numpy code takes, and each test also checks
that path was taken where it should be. Out-of-order ends with no step
compiled are bounded in numpy first (`_bounded`), then take that path.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_timing.timer import intervals
from keras_timing.timer.intervals import bound_and_spread
from keras_timing.timer.intervals import bound_ends
from keras_timing.timer.intervals import spread

GAPS = st.sampled_from([0.0, 1e-6, 1e-4, 2e-3, 0.02, 0.3])


@st.composite
def blocks(draw):
    n = draw(st.integers(1, 25))
    t = draw(st.sampled_from([0.0, 10.0]))
    begins, ends, anchors = [], [], []
    for _ in range(n):
        t += draw(GAPS)
        begins.append(t)
    late = 0.0
    for i in range(n):
        # An end no earlier than its begin; late ones come in clumps.
        late = max(late, begins[i]) + draw(GAPS)
        ends.append(late)
        anchors.append(begins[i] - draw(GAPS) if draw(st.integers(0, 6)) == 0
                       else None)
    if draw(st.booleans()):
        # Out of order: the loops' business (bound_ends moves them).
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        ends[i], ends[j] = ends[j], ends[i]
    compiled = [draw(st.integers(0, 5)) == 0 for _ in range(n)]
    released = [None] * n
    if draw(st.integers(0, 4)) == 0:
        k = draw(st.integers(0, n - 1))
        compiled[k], released[k] = True, begins[k] + draw(GAPS)
    kinds = [draw(st.sampled_from([None, None, None, "first", "profiled"]))
             for _ in range(n)]
    prev = draw(st.one_of(st.none(), st.just(begins[0] - 0.01),
                          st.just(begins[0] + 0.001)))
    return begins, ends, kinds, compiled, released, anchors, prev


def _loops(begins, ends, kinds, compiled, released, anchors, prev):
    kinds = list(kinds)
    out = bound_ends(begins, list(ends), kinds, compiled, released)
    prevs, last = spread(begins, anchors, out, compiled, prev)
    return out, prevs, last, kinds


def _plain(block):
    begins, ends, _, _, released, _, _ = block
    return (released.count(None) == len(begins)
            and all(a <= b for a, b in zip(ends, ends[1:])))


@settings(max_examples=600, deadline=None)
@given(blocks())
def test_the_numpy_path_equals_the_loops(block):
    begins, ends, kinds, compiled, released, anchors, prev = block
    want_ends, want_prevs, want_last, want_kinds = _loops(*block)
    got_kinds = list(kinds)
    fast = intervals._plain_spread(begins, ends, compiled, released,
                                   anchors, prev)
    got_ends, got_prevs, got_last = bound_and_spread(
        begins, list(ends), got_kinds, compiled, released, anchors, prev)
    assert np.asarray(got_ends).tolist() == list(want_ends)
    assert np.asarray(got_prevs).tolist() == list(want_prevs)
    assert got_last == want_last
    assert got_kinds == want_kinds
    if not _plain(block):
        assert fast is None


def test_plain_blocks_take_the_numpy_path():
    # Back-to-back hooks (TensorFlow's, or the synthetic driver's), an
    # anchored first step that compiled, then a clump of late ends
    # (JAX's asynchronous hooks): numpy.
    begins = [0.0, 1.0, 2.0, 2.1, 2.2, 2.3]
    ends = [0.9, 1.5, 2.6, 2.6, 2.65, 2.7]
    anchors = [0.0, None, None, None, None, None]
    compiled = [True, False, False, False, False, False]
    fast = intervals._plain_spread(begins, ends, compiled, [None] * 6,
                                   anchors, None)
    assert fast is not None
    got_ends, got_prevs, last = fast
    # What the drain gets: arrays, worked out in numpy.
    ends_out, prevs_out, _ = bound_and_spread(
        begins, ends, [None] * 6, compiled, [None] * 6, anchors, None)
    assert isinstance(ends_out, np.ndarray) and (
        isinstance(prevs_out, np.ndarray))
    # The clump 2.0-2.3 (ends 2.6-2.7) is spread evenly from 2.0 to 2.7,
    # each step lasting at least until the next began.
    assert got_ends.tolist() == pytest.approx(
        [0.9, 1.5, 2.175, 2.35, 2.525, 2.7])
    assert got_prevs.tolist() == pytest.approx(
        [0.0, 0.9, 1.5, 2.175, 2.35, 2.525])
    assert last == 2.7
    want_ends, want_prevs, want_last, _ = _loops(
        begins, ends, [None] * 6, compiled, [None] * 6, anchors, None)
    assert (got_ends.tolist(), got_prevs.tolist()) == (want_ends, want_prevs)


def test_late_out_of_order_ends_with_no_compile_are_bounded_in_numpy():
    # Keras's pool on JAX ran step 2's end hook after step 3's: step 3's
    # hook says step 2 was done by then.
    begins = [0.0, 1.0, 1.1, 1.2]
    ends = [0.9, 1.5, 1.4, 1.6]
    anchors = [0.0, None, None, None]
    block = (begins, ends, [None] * 4, [False] * 4, [None] * 4, anchors,
             None)
    assert intervals._bounded(begins, ends, [False] * 4,
                              [None] * 4).tolist() == [0.9, 1.4, 1.4, 1.6]
    got_ends, got_prevs, last = bound_and_spread(*block)
    assert isinstance(got_ends, np.ndarray)
    want_ends, want_prevs, want_last, kinds = _loops(*block)
    assert (got_ends.tolist(), got_prevs.tolist(), last) == (
        want_ends, want_prevs, want_last)
    assert kinds == [None] * 4
    # An end equal to a later one, below its own begin, is kept as the
    # loops keep it (`ends[i] <= free`): still numpy.
    assert intervals._bounded([0.0, 1.0, 1.1], [0.5, 0.95, 0.95],
                              [False] * 3, [None] * 3).tolist() == [
        0.5, 0.95, 0.95]
    # A compile in the block, or a hook before its own step's begin (which
    # the loops take for an overlap): the loops.
    assert intervals._bounded(begins, ends, [False, True, False, False],
                              [None] * 4) is None
    odd = [0.9, 1.5, 1.6, 1.05]
    assert intervals._bounded(begins, odd, [False] * 4, [None] * 4) is None
    assert _loops(begins, odd, [None] * 4, [False] * 4, [None] * 4,
                  anchors, None)[3] == [None, None, "overlap", None]


def test_a_compile_inside_a_clump_or_late_order_takes_the_loops():
    begins = [0.0, 1.0, 1.1]
    anchors = [0.0, None, None]
    # A clump whose second step compiled: the loops give the compile the
    # time after the steps before it.
    assert intervals._plain_spread(begins, [1.2, 1.25, 1.3],
                                   [False, True, False], [None] * 3,
                                   anchors, None) is None
    # End hooks out of order.
    assert intervals._plain_spread(begins, [0.9, 1.3, 1.2], [False] * 3,
                                   [None] * 3, anchors, None) is None
    # A release time (JAX's compile hold).
    assert intervals._plain_spread(begins, [0.9, 1.05, 1.2],
                                   [False, True, False], [None, 1.02, None],
                                   anchors, None) is None
