"""`bound_ends` and `spread` on hand-written hook times (seconds).

Every expected value is worked out by hand in the comment above it.
"""

import pytest

from keras_timing.timer.intervals import bound_ends
from keras_timing.timer.intervals import spread

N = None


def test_no_steps_give_no_ends_and_keep_prev():
    assert bound_ends([], [], []) == []
    assert spread([], [], [], [], 4.0) == ([], 4.0)


def test_a_later_end_bounds_every_earlier_one():
    # Step 1's hook ran late (5.0) but step 2 was done by 3.0, so step 1
    # was too; step 3's 4.0 bounds nothing that is already below it.
    assert bound_ends([0.0, 1.0, 2.0], [5.0, 3.0, 4.0],
                      [N, N, N]) == [3.0, 3.0, 4.0]


def test_an_end_is_never_moved_before_its_own_begin():
    # Step 2's 2.0 would bound step 1 below its begin 2.5: 2.5 instead.
    assert bound_ends([2.5, 3.0], [5.0, 2.0], [N, N]) == [2.5, 2.0]


def test_steps_before_a_compile_end_by_its_begin_unless_ended_earlier():
    # Step 3 compiles from its begin 2.0 and holds the end hooks of 1 and 2
    # (2.9, 2.95): both are taken to end at 2.0.
    assert bound_ends([0.0, 1.0, 2.0], [2.9, 2.95, 4.0],
                      [N, N, "recompile"]) == [2.0, 2.0, 4.0]
    # Step 2 ended at 1.5, before step 3 compiled from 2.0: the lower of
    # the two bounds wins, 1.5 for steps 1 and 2.
    assert bound_ends([0.0, 1.0, 2.0, 3.0], [2.5, 1.5, 3.5, 4.0],
                      [N, N, "recompile", N]) == [1.5, 1.5, 3.5, 4.0]


def test_an_anchor_starts_a_new_clump_and_never_before_the_previous_end():
    # Steps 1 and 2 begin at 0.1 and 0.2 (anchor 0.0); step 3 is the first
    # of a new epoch (anchor 0.25, begin 0.3). The three end hooks come
    # together at 1.0, 1.001, 1.002.
    # Steps 1-2 are a clump: from step 1's begin 0.1 to 1.001, 0.901 s over
    # two steps, so step 1 ends at 0.1 + 0.4505 = 0.5505. Step 3's anchor
    # (0.25) lies before step 2's end (1.001): the device was busy, so step
    # 3 starts at 1.001, not at its anchor, and keeps its own 1 ms.
    ends = [1.0, 1.001, 1.002]
    prevs, last = spread([0.1, 0.2, 0.3], [0.0, N, 0.25], ends, [N, N, N],
                         None)
    assert prevs == pytest.approx([0.0, 0.5505, 1.001])
    assert ends == pytest.approx([0.5505, 1.001, 1.002])
    assert last == 1.002


def test_a_clump_is_spread_evenly_from_its_first_begin():
    # Begins every 0.2 s from 0.2, late end hooks 1.301 .. 1.305: one clump
    # from 0.2 to 1.305, 1.105 s over 5 steps, 0.221 s each.
    ends = [1.301, 1.302, 1.303, 1.304, 1.305]
    prevs, last = spread([0.2, 0.4, 0.6, 0.8, 1.0], [0.0, N, N, N, N], ends,
                         [N] * 5, None)
    assert ends == pytest.approx([0.421, 0.642, 0.863, 1.084, 1.305])
    assert prevs == pytest.approx([0.0, 0.421, 0.642, 0.863, 1.084])
    assert last == 1.305


def test_a_step_of_a_clump_lasts_at_least_until_the_next_began():
    # Clump 0.0 -> 0.61 over 3 steps: even shares end at 0.2033 and 0.4067,
    # but step 3 only began at 0.5, so step 2 lasts until 0.5.
    ends = [0.6, 0.6, 0.61]
    prevs, last = spread([0.0, 0.01, 0.5], [0.0, N, N], ends, [N] * 3, None)
    assert ends == pytest.approx([0.61 / 3, 0.5, 0.61])
    assert prevs == pytest.approx([0.0, 0.61 / 3, 0.5])


def test_steps_before_a_compiling_step_of_a_clump_last_until_the_next_began():
    # Steps 1, 2 begin at 0.0 and 0.01; step 3 compiles briefly from 0.2,
    # step 4 begins at 0.21. bound_ends already put 1 and 2 at 0.2; the
    # ends 0.2, 0.2, 0.35, 0.355 are one clump. Step 1 lasts until step 2
    # began (0.01), step 2 until step 3 began (0.2); from 0.2 to 0.355 is
    # spread over steps 3 and 4: 0.0775 s each, step 3 ends at 0.2775.
    ends = [0.2, 0.2, 0.35, 0.355]
    prevs, last = spread([0.0, 0.01, 0.2, 0.21], [0.0, N, N, N], ends,
                         [N, N, "recompile", N], None)
    assert ends == pytest.approx([0.01, 0.2, 0.2775, 0.355])
    assert prevs == pytest.approx([0.0, 0.01, 0.2, 0.2775])
    assert last == 0.355


def test_a_step_without_anchor_starts_from_the_previous_drain():
    # The previous drain ended at 2.5; this step began at 2.0 (the host ran
    # ahead), so the device started on it at 2.5.
    ends = [3.0]
    assert spread([2.0], [N], ends, [N], 2.5) == ([2.5], 3.0)
    # With nothing before it and no anchor, it starts at its own begin.
    ends = [3.0]
    assert spread([2.0], [N], ends, [N], None) == ([2.0], 3.0)
