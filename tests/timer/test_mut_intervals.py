"""`spread` contracts the mutation run found untested (issue 17), on
hand-written hook times (seconds); each expected value is worked out in
the comment above it. The Timeline-level case of survivor (a) is in
test_mut_clock.py; the hypothesis property (test_clock_properties.py)
checks the same for random hook sequences.
"""

import pytest

from keras_timing.timer.intervals import spread

N = None


def test_no_step_ends_before_the_previous_drain_ended():
    """Issue 17's survivor (a): `ends[j] = max(ends[j], prev)`. The
    previous drain ended at 0.5; step 1's end, bounded by a compile
    (bound_ends), is 0.2. It ends at 0.5, taking no time, and the next
    step starts from there: the intervals telescope."""
    # Step 1: 0.2 is before step 2 began plus 0.4 apart: no clump; it
    # ends at max(0.2, 0.5). Step 2 (compiled) runs 0.5 -> 0.6, step 3
    # 0.6 -> 1.0 (its hook came 0.4 after, the begins 0.3 apart).
    ends = [0.2, 0.6, 1.0]
    prevs, last = spread([0.1, 0.2, 0.5], [N, N, N], ends,
                         [False, True, False], 0.5)
    assert ends == [0.5, 0.6, 1.0]
    assert prevs == [0.5, 0.5, 0.6]
    assert last == 1.0


def test_a_clump_whose_second_step_compiled_shares_from_the_next_begin():
    # The drain's first three steps begin at 0.0, 0.1, 0.2 (anchor 0.0);
    # step 2 compiled; the hooks come together at 1.0, 1.0, 1.001: one
    # clump. Step 1 lasts until step 2 began (0.1); 0.1 -> 1.001 is spread
    # over steps 2 and 3: 0.4505 s each, step 2 ends at 0.5505.
    ends = [1.0, 1.0, 1.001]
    prevs, last = spread([0.0, 0.1, 0.2], [0.0, N, N], ends,
                         [False, True, False], None)
    assert ends == pytest.approx([0.1, 0.5505, 1.001])
    assert prevs == pytest.approx([0.0, 0.1, 0.5505])
    assert last == 1.001
