"""profile_steps parsing and window lookup (pure Python, any backend)."""

import itertools

import numpy as np
import pytest

from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.profiling.schedule import StepWindows
from keras_timing.profiling.schedule import Window
from keras_timing.profiling.schedule import parse


def all_windows(obj, steps=200):
    """Every distinct Window met by one-step calls over 1..steps."""
    seen = []
    for s in range(1, steps + 1):
        w = obj.window(s, s)
        if w is not None and (not seen or seen[-1] != w):
            seen.append(w)
    return seen


def brute_window(windows, first, last):
    """The merged window for a call spanning first..last, by enumeration."""
    hit = [w for w in windows if w.start <= last and w.last >= first]
    if not hit:
        return None
    return Window(hit[0].start, hit[0].first, hit[-1].last)


# ---- accepted forms ---------------------------------------------------------


def test_none_is_none():
    assert parse(None, "profile_steps") is None


def test_int_is_one_step_started_one_step_early():
    w = parse(7, "profile_steps")
    assert all_windows(w) == [Window(6, 7, 7)]
    assert w.window(5, 5) is None
    assert w.window(6, 6) == Window(6, 7, 7)
    assert w.window(8, 8) is None


def test_tuple_is_inclusive():
    assert all_windows(parse((10, 15), "profile_steps")) == [
        Window(9, 10, 15)]


def test_string_like_keras_profile_batch():
    assert all_windows(parse("10,15", "p")) == [Window(9, 10, 15)]
    assert all_windows(parse(" 3 , 4 ", "p")) == [Window(2, 3, 4)]


def test_step_one_cannot_start_early():
    assert all_windows(parse((1, 3), "p")) == [Window(1, 1, 3)]
    assert all_windows(parse(1, "p")) == [Window(1, 1, 1)]


def test_numpy_ints_are_ints():
    assert all_windows(parse((np.int64(4), np.int32(5)), "p")) == [
        Window(3, 4, 5)]


def test_list_is_several_windows_in_any_order():
    w = parse(["30,31", 20, (5, 6)], "profile_steps")
    assert w.windows == ((5, 6), (20, 20), (30, 31))
    assert all_windows(w) == [Window(4, 5, 6), Window(19, 20, 20),
                              Window(29, 30, 31)]


def test_list_of_more_than_two_ints_is_single_steps():
    assert parse([3, 7, 9], "p").windows == ((3, 3), (7, 7), (9, 9))


def test_adjacent_windows_stay_two_captures_without_early_start():
    assert all_windows(parse([(1, 4), (5, 8)], "p")) == [
        Window(1, 1, 4), Window(5, 5, 8)]
    # One free step between them is enough for the early start.
    assert all_windows(parse([(1, 4), (6, 8)], "p")) == [
        Window(1, 1, 4), Window(5, 6, 8)]


def test_parse_passes_parsed_objects_through():
    s = ProfileSchedule(1, 1, 1)
    assert parse(s, "p") is s
    w = parse((2, 3), "p")
    assert parse(w, "p") is w
    assert parse((2, 3), "p") == parse("2,3", "p")


# ---- steps_per_execution: one call spans several steps ----------------------


def test_window_covers_the_calls_that_contain_its_steps():
    w = parse((5, 6), "p")  # starts at step 4
    calls = [(1, 4), (5, 8), (9, 12)]
    assert [w.window(a, b) for a, b in calls] == [
        Window(4, 5, 6), Window(4, 5, 6), None]


def test_window_inside_one_call():
    w = parse((10, 11), "p")
    assert w.window(1, 8) is None
    assert w.window(9, 16) == Window(9, 10, 11)
    assert w.window(17, 24) is None


def test_windows_sharing_one_call_are_merged():
    w = parse([(2, 2), (4, 4), (20, 21)], "p")
    assert w.window(1, 8) == Window(1, 2, 4)
    assert w.window(9, 16) is None
    assert w.window(17, 24) == Window(19, 20, 21)


@pytest.mark.parametrize("spec", [
    [(2, 3), (5, 5), (9, 12), (13, 13), (30, 40)],
    [1, (3, 4), 6, 8, (10, 20)],
])
@pytest.mark.parametrize("span", [1, 2, 3, 4, 7, 16])
def test_spans_match_brute_force(spec, span):
    w = parse(spec, "p")
    windows = all_windows(w, 60)
    for first in range(1, 50):
        last = first + span - 1
        assert w.window(first, last) == brute_window(windows, first, last), (
            first, last)


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


# ---- invalid values ---------------------------------------------------------


@pytest.mark.parametrize("value", [
    0, -1, True, False, 2.0, float("nan"),
    (0, 3), (-2, 3), (5, 3), (1, 2, 3), (4,), (), (1.0, 2), (True, 2),
    ("1", "2"), "5", "a,b", "1,2,3", "", "0,3", "5,3", "1.5,2",
    [], [1, 2], [(1, 3), (3, 5)], [(1, 3), (2, 2)], [4, 4, 6],
    [(1, 3), [4, 5]], [ProfileSchedule(1, 1, 1)], [None], [0, 5, 6],
    {1, 2}, {"start": 1}, b"1,2", object(),
])
def test_invalid_values_name_the_argument(value):
    with pytest.raises(ValueError, match="profile_predict_steps") as info:
        parse(value, "profile_predict_steps")
    message = str(info.value)
    assert any(word in message for word in
               ("Accepted", "1-based", ">=", "share steps", "ambiguous")), (
        message)


def test_ambiguous_pair_list_says_how_to_write_it():
    with pytest.raises(ValueError, match=r"\(10, 15\)"):
        parse([10, 15], "profile_steps")


@pytest.mark.parametrize("kw, arg", [
    (dict(wait=1, warmup=1, active=0), "active"),
    (dict(wait=-1, warmup=1, active=1), "wait"),
    (dict(wait=1, warmup=-1, active=1), "warmup"),
    (dict(wait=1, warmup=1, active=1, repeat=-1), "repeat"),
    (dict(wait=1, warmup=1, active=1, skip_first=-3), "skip_first"),
    (dict(wait=1.0, warmup=1, active=1), "wait"),
    (dict(wait=1, warmup=1, active=True), "active"),
    (dict(wait=1, warmup="1", active=1), "warmup"),
    (dict(wait=1, warmup=1, active=None), "active"),
])
def test_invalid_schedule(kw, arg):
    with pytest.raises(ValueError, match="ProfileSchedule: %s must be" % arg):
        ProfileSchedule(**kw)


def test_step_windows_refuses_overlap():
    with pytest.raises(ValueError, match="not overlapping"):
        StepWindows([(1, 3), (3, 4)])


# ---- the exact messages (a user reads them) ---------------------------------


@pytest.mark.parametrize("value, message", [
    ((1, 2, 3), "profile_steps: a tuple must be (start, stop) with two ints, "
                "got (1, 2, 3). Accepted: "),
    ("a,b", "profile_steps: a string must be 'start,stop' with two ints, "
            "got 'a,b'. Accepted: "),
    ({1, 2}, "profile_steps: got {1, 2} of type set. Accepted: "),
    ((0, 3), "profile_steps: steps are 1-based, got (0, 3); to profile "
             "nothing pass None."),
    ("5,3", "profile_steps: stop must be >= start, got '5,3'."),
    ([], "profile_steps: an empty list profiles nothing; pass None for "
         "that. Accepted: "),
    ([10, 15], "profile_steps: [10, 15] is ambiguous; write (10, 15) for "
               "steps 10 to 15, or [(10, 10), (15, 15)] for the two steps "
               "alone."),
    ([(1, 3), (3, 5)], "profile_steps: windows (1, 3) and (3, 5) share "
                       "steps; each step may be in one window only."),
    ([(2, 3), 2.5], "profile_steps: got 2.5 of type float (item 1 of the "
                    "list). Accepted: "),
])
def test_error_messages(value, message):
    with pytest.raises(ValueError) as info:
        parse(value)
    assert str(info.value).startswith(message), str(info.value)
    if "Accepted: " in message:
        assert str(info.value).endswith("Accepted: an int N (step N), a "
                                        "(start, stop) tuple of ints (steps "
                                        "start to stop, inclusive), a "
                                        "'start,stop' string, a list of "
                                        "those, a keras_timing."
                                        "ProfileSchedule, or None; steps are "
                                        "1-based.")


def test_schedule_error_message():
    with pytest.raises(ValueError) as info:
        ProfileSchedule(wait=1, warmup=1, active=0)
    assert str(info.value) == (
        "ProfileSchedule: active must be an int >= 1, got 0 (wait, warmup, "
        "repeat and skip_first are ints >= 0, active an int >= 1)")


def test_step_windows_error_message():
    with pytest.raises(ValueError) as info:
        StepWindows([(3, 4), (1, 2)])
    assert str(info.value) == ("StepWindows: windows must be sorted, "
                               "1-based and not overlapping, got ((3, 4), "
                               "(1, 2))")


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
