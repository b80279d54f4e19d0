"""`profile_slow_steps` (`profiling/slow_steps.py`), fed begin times.

The times are real numbers written out (a steady 10 ms step, with chosen
hiccups), and each test states the windows and triggers that follow from
them, not the rule that computes them.
"""

import pytest

from keras_timing.profiling.schedule import Window
from keras_timing.profiling.slow_steps import SlowSteps
from keras_timing.profiling.slow_steps import parse_factor


def feed(slow, intervals, start=1, t=0.0):
    """Feeds begin times: step `start` at `t`, then one per interval (s).
    Returns {step: window} for the steps that triggered."""
    out = {}
    w = slow.observe(start, t)
    assert w is None
    for k, dt in enumerate(intervals, start=start + 1):
        t += dt
        w = slow.observe(k, t)
        if w is not None:
            out[k] = w
    return out


def steady(n, ms=10.0):
    return [ms / 1e3] * n


def test_a_hiccup_after_a_steady_run_triggers_the_next_steps():
    slow = SlowSteps(3.0, active=3)
    # Steps 2..40 at 10 ms, then step 41 begins 50 ms after step 40.
    found = feed(slow, steady(39) + [0.050] + steady(5))
    assert found == {41: Window(41, 42, 44)}
    assert slow.triggers == [(41, pytest.approx(0.050),
                              pytest.approx(0.010))]


def test_no_trigger_before_16_intervals_are_seen():
    slow = SlowSteps(3.0)
    # 15 steady intervals: no median yet, so a 1 s interval passes.
    assert feed(slow, steady(15) + [1.0] + steady(3)) == {}
    assert slow.triggers == []


def test_the_16th_interval_gives_the_first_median():
    slow = SlowSteps(3.0)
    found = feed(slow, steady(16) + [0.1])
    assert found == {18: Window(18, 19, 21)}
    assert slow.triggers[0][2] == pytest.approx(0.010)


def test_an_interval_of_exactly_factor_times_the_median_is_not_slow():
    slow = SlowSteps(4.0)
    # Intervals of 1/8 s and 1/2 s are exact in binary: 4 x 1/8 == 1/2.
    assert feed(slow, [0.125] * 16 + [0.5]) == {}
    slow = SlowSteps(4.0)
    assert feed(slow, [0.125] * 16 + [0.5 + 2 ** -20]) == {
        18: Window(18, 19, 21)}


def test_the_median_follows_the_last_64_intervals():
    slow = SlowSteps(5.0)
    # 64 intervals of 10 ms, then 64 of 40 ms: the median is 40 ms by
    # then, so 150 ms is not slow (it would be against 10 ms).
    found = feed(slow, steady(64) + steady(64, ms=40.0) + [0.150])
    assert found == {}
    slow = SlowSteps(5.0)
    # 64 of 10 ms and 32 of 40 ms: the last 64 are half and half, so the
    # median is 25 ms and 150 ms is slow.
    found = feed(slow, steady(64) + steady(32, ms=40.0) + [0.150])
    assert found == {98: Window(98, 99, 101)}
    assert slow.triggers[0][2] == pytest.approx(0.025)


def test_the_median_is_refreshed_every_16_intervals_only():
    slow = SlowSteps(5.0)
    # After 16 intervals of 10 ms the median is 10 ms; 15 more of 40 ms
    # do not move it until the 16th: 60 ms is slow after the 31st
    # interval (step 33) but not after the 32nd (median 25 ms then).
    found = feed(slow, steady(16) + steady(15, ms=40.0) + [0.060])
    assert found == {33: Window(33, 34, 36)}
    slow = SlowSteps(5.0)
    found = feed(slow, steady(16) + steady(16, ms=40.0) + [0.060])
    assert found == {}


def test_slow_intervals_do_not_enter_the_median():
    slow = SlowSteps(2.0, cooldown=0)
    # 16 steady, then alternating slow (triggering) and steady steps: the
    # median stays 10 ms, so every slow one after the window triggers.
    found = feed(slow, steady(16) + [0.05] + steady(3) + [0.05] + steady(3))
    assert sorted(found) == [18, 22]
    assert [m for _, _, m in slow.triggers] == [pytest.approx(0.01)] * 2


def test_cooldown_limit_and_reset():
    slow = SlowSteps(3.0, active=2, cooldown=10, max_captures=2)
    t = 0.0
    windows = {}
    for step in range(1, 200):
        t += 0.5 if step in (40, 45, 52, 53, 80, 120) else 0.01
        if step == 100:
            slow.reset()
            t += 5.0  # an epoch boundary: no interval is formed across it
        w = slow.observe(step, t)
        if w is not None:
            windows[step] = w
    # 40 triggers (window 40-42); 45 and 52 fall in the cool-down (to
    # 42 + 10 = 52 inclusive); 53 is the first step out of it: it
    # triggers; 80 would, but two captures is the limit; 100 is after a
    # reset.
    assert windows == {40: Window(40, 41, 42), 53: Window(53, 54, 55)}
    assert [s for s, _, _ in slow.triggers] == [40, 53]


def test_reset_drops_the_interval_across_it():
    slow = SlowSteps(3.0)
    feed(slow, steady(20))
    slow.reset()
    # The first begin after a reset forms no interval, however late.
    assert slow.observe(22, 100.0) is None
    assert slow.observe(23, 100.01) is None
    assert slow.triggers == []


def test_defaults_three_steps_20_apart_five_captures():
    slow = SlowSteps(3.0)
    # Steps begin 10 ms apart, these 500 ms after the step before.
    late = {31, 54, 55, 79, 103, 127, 151}
    intervals = [0.5 if step in late else 0.01 for step in range(2, 200)]
    found = feed(slow, intervals)
    # 31 marks 32-34, then 20 quiet steps to 54; 55 is the first free
    # one; the sixth (151) is past the limit of 5.
    assert found == {31: Window(31, 32, 34), 55: Window(55, 56, 58),
                     79: Window(79, 80, 82), 103: Window(103, 104, 106),
                     127: Window(127, 128, 130)}


@pytest.mark.parametrize("value, expected", [
    (None, None), (1.5, 1.5), (3, 3.0), (1 + 1e-9, 1 + 1e-9)])
def test_parse_factor_accepts(value, expected):
    assert parse_factor(value) == expected


@pytest.mark.parametrize("value", [1.0, 1, 0, -2, "3", True, float("nan")])
def test_parse_factor_refuses_naming_the_argument(value):
    with pytest.raises(ValueError) as info:
        parse_factor(value)
    assert str(info.value) == (
        "profile_slow_steps must be a number > 1 (how many times the median "
        "step time counts as slow) or None, got %r" % (value,))
    with pytest.raises(ValueError, match=r"^factor must"):
        parse_factor(value, name="factor")
