"""profile_steps parsing and window lookup (pure Python, any backend): the
accepted forms and calls of several steps (ProfileSchedule:
test_schedule_torch.py; refused values: test_schedule_errors.py)."""

import numpy as np
import pytest

from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.profiling.schedule import Window
from keras_timing.profiling.schedule import parse
from profiling.schedule_windows import all_windows
from profiling.schedule_windows import brute_window


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
