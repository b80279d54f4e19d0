"""profile_steps and ProfileSchedule values refused, each with an error
that names the argument and what is accepted (pure Python, any backend)."""

import pytest

from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.profiling.schedule import StepWindows
from keras_timing.profiling.schedule import parse


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
