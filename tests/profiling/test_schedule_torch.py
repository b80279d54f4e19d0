"""ProfileSchedule's windows against torch.profiler.schedule, and the
lookup's corners (pure Python, any backend)."""

import itertools

import pytest

from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.profiling.schedule import StepWindows
from keras_timing.profiling.schedule import Window
from profiling.schedule_windows import all_windows
from profiling.schedule_windows import brute_window


# ---- ProfileSchedule: torch.profiler.schedule's meaning ---------------------


def test_schedule_examples():
    s = ProfileSchedule(wait=1, warmup=1, active=2, repeat=2)
    assert all_windows(s) == [Window(2, 3, 4), Window(6, 7, 8)]
    s = ProfileSchedule(wait=2, warmup=0, active=1, skip_first=3)
    assert all_windows(s, 12) == [Window(5, 6, 6), Window(8, 9, 9),
                                  Window(11, 12, 12)]
    # Back to back: only the first cycle can start early, after skip_first.
    s = ProfileSchedule(wait=0, warmup=0, active=2, repeat=3, skip_first=1)
    assert all_windows(s) == [Window(1, 2, 3), Window(4, 4, 5),
                              Window(6, 6, 7)]
    s = ProfileSchedule(wait=0, warmup=0, active=3, repeat=1)
    assert all_windows(s) == [Window(1, 1, 3)]


def test_schedule_repeat_zero_goes_on():
    s = ProfileSchedule(wait=5, warmup=2, active=3)
    assert s.window(10**9 - 2, 10**9 - 2) == Window(
        10**9 - 4, 10**9 - 2, 10**9)
    assert len(all_windows(s, 1000)) == 100


SCHEDULES = [
    dict(wait=w, warmup=u, active=a, repeat=r, skip_first=k)
    for w, u, a, r, k in itertools.product(
        (0, 1, 3), (0, 1, 2), (1, 2, 4), (0, 1, 3), (0, 1, 5))
]


def our_actions(s, steps):
    """Per step: 'record', 'save' (the last recorded), 'warmup', 'early'
    (started early, unmarked, warmup=0) or None."""
    out = {}
    for w in all_windows(s, steps):
        for step in range(w.start, w.first):
            out[step] = "warmup" if s.warmup else "early"
        for step in range(w.first, w.last + 1):
            out[step] = "record"
        out[w.last] = "save"
    return [out.get(step) for step in range(1, steps + 1)]


def reference_actions(kw, steps):
    """torch.profiler.schedule's actions, our step s being torch's s - 1."""
    torch_profiler = pytest.importorskip("torch.profiler")
    A = torch_profiler.ProfilerAction
    names = {A.NONE: None, A.WARMUP: "warmup", A.RECORD: "record",
             A.RECORD_AND_SAVE: "save"}
    with pytest.warns(UserWarning) if kw["warmup"] == 0 else _nothing():
        fn = torch_profiler.schedule(**kw)
    return [names[fn(step - 1)] for step in range(1, steps + 1)]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("kw", SCHEDULES, ids=lambda kw: "-".join(
    "%s%d" % (k, v) for k, v in kw.items()))
def test_schedule_matches_torch(kw):
    steps = 80
    ours = our_actions(ProfileSchedule(**kw), steps)
    ref = reference_actions(kw, steps)
    for step, (o, r) in enumerate(zip(ours, ref), start=1):
        if o == "early":
            # The one extra traced step before a window without warm-up:
            # torch leaves its profiler off there.
            assert r is None, step
            assert step == steps or ours[step] in ("record", "save"), step
        else:
            assert o == r, (step, o, r)


@pytest.mark.parametrize("kw", SCHEDULES[::7])
@pytest.mark.parametrize("span", [2, 3, 5, 8])
def test_schedule_spans_match_brute_force(kw, span):
    s = ProfileSchedule(**kw)
    windows = all_windows(s, 120)
    for first in range(1, 100):
        last = first + span - 1
        assert s.window(first, last) == brute_window(windows, first, last), (
            first, last)


def test_schedule_repr_and_equality():
    s = ProfileSchedule(1, 2, 3, repeat=4, skip_first=5)
    assert repr(s) == ("ProfileSchedule(wait=1, warmup=2, active=3, "
                       "repeat=4, skip_first=5)")
    assert s == ProfileSchedule(wait=1, warmup=2, active=3, repeat=4,
                                skip_first=5)
    assert s != ProfileSchedule(1, 2, 3)


# ---- corners ----------------------------------------------------------------


def test_a_fresh_schedule_asked_first_about_a_later_cycle():
    s = ProfileSchedule(wait=3, warmup=1, active=1)
    # Cycle 1 (steps 6-10) before cycle 0 was ever asked about.
    assert s.window(9, 9) == Window(9, 10, 10)
    assert s.window(4, 4) == Window(4, 5, 5)


def test_step_windows_without_windows_has_none():
    w = StepWindows([])
    assert w.window(1, 1) is None and w.window(5, 100) is None


def test_step_windows_equality_and_repr():
    w = StepWindows([(2, 3)])
    assert w == StepWindows([(2, 3)]) and w != StepWindows([(2, 4)])
    assert w != ProfileSchedule(1, 1, 1) and w != "2,3"
    assert repr(w) == "StepWindows([(2, 3)])"
    assert len({w, StepWindows([(2, 3)]), ProfileSchedule(1, 1, 1)}) == 2
