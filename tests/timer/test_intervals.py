"""`bound_ends` and `spread` on hand-written hook times (seconds), the pure
functions alone (through a Timeline: test_intervals_timeline.py). A
sequence asserted at both levels is declared once, in hooks.py.

Every expected value is worked out by hand in the comment above it.
"""

import pytest

from keras_timing.timer.intervals import bound_ends
from keras_timing.timer.intervals import spread
from timer.hooks import CLUMP
from timer.hooks import EPOCH_INSIDE_CLUMP

N = None


def test_no_steps_give_no_ends_and_keep_prev():
    assert bound_ends([], [], [], []) == []
    assert spread([], [], [], [], 4.0) == ([], 4.0)


def test_a_later_end_bounds_every_earlier_one():
    # Step 1's hook ran late (5.0) but step 2 was done by 3.0, so step 1
    # was too; step 3's 4.0 bounds nothing that is already below it.
    assert bound_ends([0.0, 1.0, 2.0], [5.0, 3.0, 4.0],
                      [N, N, N], [False] * 3) == [3.0, 3.0, 4.0]


def test_an_end_is_never_moved_before_its_own_begin():
    # Step 2's 2.0 would bound step 1 below its begin 2.5: 2.5 instead.
    assert bound_ends([2.5, 3.0], [5.0, 2.0], [N, N],
                      [False] * 2) == [2.5, 2.0]


def test_hooks_of_steps_queued_before_a_compile_are_their_ends():
    # Step 3 compiles from its begin 2.0; steps 1 and 2 ran on the device
    # meanwhile and their hooks came as each finished (2.9, 2.95): those
    # are their ends, counted.
    kinds = [N, N, "recompile"]
    assert bound_ends([0.0, 1.0, 2.0], [2.9, 2.95, 4.0], kinds,
                      [False, False, True]) == [2.9, 2.95, 4.0]
    assert kinds == [N, N, "recompile"]
    # Step 1's hook came late (2.5), after step 2's (1.5): step 1 was done
    # by 1.5 too, before the compile began.
    kinds = [N, N, "recompile", N]
    assert bound_ends([0.0, 1.0, 2.0, 3.0], [2.5, 1.5, 3.5, 4.0], kinds,
                      [False, False, True, False]) == [1.5, 1.5, 3.5, 4.0]
    assert kinds == [N, N, "recompile", N]


def test_a_step_bounded_only_by_a_compiling_step_has_its_end_hidden():
    # Steps 1 and 2's hooks (4.5, 4.2) came after step 3's (4.0), which
    # compiled from 2.0: they ended by 4.0, perhaps during the compile.
    # Both are overlap and end where the compile began; a step after the
    # compile that bounds an earlier one hides it the same way.
    kinds = [N, N, "recompile"]
    assert bound_ends([0.0, 1.0, 2.0], [4.5, 4.2, 4.0], kinds,
                      [False, False, True]) == [2.0, 2.0, 4.0]
    assert kinds == ["overlap", "overlap", "recompile"]
    kinds = [N, "recompile", N]
    assert bound_ends([0.0, 1.0, 1.5], [3.0, 2.5, 2.0], kinds,
                      [False, True, False]) == [1.0, 2.0, 2.0]
    assert kinds == ["overlap", "recompile", N]


def test_a_first_step_that_did_not_compile_holds_no_earlier_step():
    # Validation's first step of a later epoch begins at 2.0 while train's
    # steps 1 and 2 are queued; it compiled nothing, and the late hooks
    # are in order: no overlap.
    kinds = [N, N, "first"]
    assert bound_ends([0.0, 1.0, 2.0], [4.5, 4.2, 4.0], kinds,
                      [False, False, False]) == [4.0, 4.0, 4.0]
    assert kinds == [N, N, "first"]


def test_an_anchor_starts_a_new_clump_and_never_before_the_previous_end():
    # EPOCH_INSIDE_CLUMP: steps 1 and 2 begin at 0.1 and 0.2 (anchor 0.0);
    # step 3 is the first of a new epoch (anchor 0.25, begin 0.3). The
    # three end hooks come together at 1.0, 1.001, 1.002.
    # Steps 1-2 are a clump: from step 1's begin 0.1 to 1.001, 0.901 s over
    # two steps, so step 1 ends at 0.1 + 0.4505 = 0.5505. Step 3's anchor
    # (0.25) lies before step 2's end (1.001): the device was busy, so step
    # 3 starts at 1.001, not at its anchor, and keeps its own 1 ms.
    prevs, ends, last = EPOCH_INSIDE_CLUMP.spread()
    assert prevs == pytest.approx([0.0, 0.5505, 1.001])
    assert ends == pytest.approx([0.5505, 1.001, 1.002])
    assert last == 1.002


def test_a_clump_is_spread_evenly_from_its_first_begin():
    # CLUMP: begins every 0.2 s from 0.2, late end hooks 1.301 .. 1.305:
    # one clump from 0.2 to 1.305, 1.105 s over 5 steps, 0.221 s each
    # (through a Timeline: test_intervals_timeline.py).
    prevs, ends, last = CLUMP.spread()
    assert ends == pytest.approx([0.421, 0.642, 0.863, 1.084, 1.305])
    assert prevs == pytest.approx([0.0, 0.421, 0.642, 0.863, 1.084])
    assert last == 1.305


def test_a_step_of_a_clump_lasts_at_least_until_the_next_began():
    # Clump 0.0 -> 0.61 over 3 steps: even shares end at 0.2033 and 0.4067,
    # but step 3 only began at 0.5, so step 2 lasts until 0.5.
    ends = [0.6, 0.6, 0.61]
    prevs, last = spread([0.0, 0.01, 0.5], [0.0, N, N], ends, [False] * 3,
                         None)
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
                         [False, False, True, False], None)
    assert ends == pytest.approx([0.01, 0.2, 0.2775, 0.355])
    assert prevs == pytest.approx([0.0, 0.01, 0.2, 0.2775])
    assert last == 0.355


def test_a_step_without_anchor_starts_from_the_previous_drain():
    # The previous drain ended at 2.5; this step began at 2.0 (the host ran
    # ahead), so the device started on it at 2.5.
    ends = [3.0]
    assert spread([2.0], [N], ends, [False], 2.5) == ([2.5], 3.0)
    # With nothing before it and no anchor, it starts at its own begin.
    ends = [3.0]
    assert spread([2.0], [N], ends, [False], None) == ([2.0], 3.0)
