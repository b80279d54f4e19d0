"""Which global steps to profile: the `profile_steps` argument, parsed.

Steps are the timer's global 1-based steps, the x axis of its scalars. A
capture is a `Window(start, first, last)`: the profiler starts at the begin
of step `start` and steps `first..last` get step markers.

Starting early: the profiler's start costs time (tracers are set up), and
that time lands in the step it starts in. So a window starts, unmarked, one
step before its first marked step when it can (`(5, 8)` starts at step 4):
the overview page counts only marked steps. A schedule with `warmup` steps
starts at its first warm-up step instead; a window from step 1 cannot.

Pure Python, run in the hook of every batch: `window()` is a bisection
(fixed windows) or arithmetic (schedules).
"""

import bisect
import numbers
from typing import NamedTuple
from typing import Optional


class Window(NamedTuple):
    """One capture: start the profiler at the begin of step `start`, mark
    steps `first..last` (inclusive), stop after step `last`."""

    start: int
    first: int
    last: int


_FORMS = ("an int N (step N), a (start, stop) tuple of ints (steps start to "
          "stop, inclusive), a 'start,stop' string, a list of those, a "
          "keras_timing.ProfileSchedule, or None; steps are 1-based")


def _is_int(value):  # not bool: `profile_steps=True` is surely a mistake
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class _Keyed:
    """Equal to an object of the same class with the same `_key`."""

    def __eq__(self, other):
        return type(other) is type(self) and other._key == self._key

    def __hash__(self):
        return hash(self._key)


class ProfileSchedule(_Keyed):
    """Profiles steps in cycles, as `torch.profiler.schedule` does.

    The first `skip_first` steps are skipped, then each cycle waits `wait`
    steps (profiler off), runs `warmup` steps with the profiler on but
    unmarked (its start-up cost goes there), and records `active` steps,
    which get step markers and end the cycle's capture. `repeat` cycles run,
    or cycles go on as long as training does when `repeat=0`.

    Step `s` here (1-based) is torch's step `s - 1`: `ProfileSchedule(1, 1,
    2)` records steps 3 and 4, torch's 2 and 3. With `warmup=0` the profiler
    still starts one step early, in a wait step, where there is one. Cycles
    that one hook call spans (`steps_per_execution`) are captured together.

    Args:
        wait: Steps with the profiler off at the start of each cycle, >= 0.
        warmup: Steps traced but not recorded after the wait, >= 0.
        active: Steps recorded per cycle, >= 1.
        repeat: Number of cycles; 0 (the default) for no limit.
        skip_first: Steps skipped before the first cycle, >= 0.

    Example:

    >>> s = ProfileSchedule(wait=1, warmup=1, active=2, repeat=2)
    >>> s.window(1, 1) is None
    True
    >>> s.window(2, 2)
    Window(start=2, first=3, last=4)
    >>> s.window(7, 8)
    Window(start=6, first=7, last=8)
    >>> s.window(9, 9) is None
    True
    """

    def __init__(self, wait: int, warmup: int, active: int, repeat: int = 0,
                 skip_first: int = 0):
        args = dict(wait=wait, warmup=warmup, active=active, repeat=repeat,
                    skip_first=skip_first)
        for arg, value in args.items():
            low = 1 if arg == "active" else 0
            if not _is_int(value) or value < low:
                raise ValueError(
                    "ProfileSchedule: %s must be an int >= %d, got %r (wait, "
                    "warmup, repeat and skip_first are ints >= 0, active an "
                    "int >= 1)" % (arg, low, value))
        self._key = tuple(int(v) for v in args.values())
        (self.wait, self.warmup, self.active, self.repeat,
         self.skip_first) = self._key
        self._period = self.wait + self.warmup + self.active
        # Offsets in the cycle, from its first step (cycle c's first step is
        # skip_first + c * period + 1).
        self._first_off = self.wait + self.warmup
        self._last_off = self._period - 1
        if self.warmup:
            self._start_off = self.wait
        elif self.wait:
            self._start_off = self.wait - 1
        else:
            # Back-to-back cycles: the step before is the previous cycle's
            # last recorded step, so only cycle 0 can start early, and only
            # after skipped steps.
            self._start_off = 0
        self._early_first = (self.skip_first > 0
                             and not (self.warmup or self.wait))
        # Consecutive hook calls ask about the same cycle: keep its Window.
        self._cached = (-1, None)

    def _cycle(self, c):
        if self._cached[0] == c:
            return self._cached[1]
        base = self.skip_first + c * self._period + 1
        start = base + self._start_off
        if c == 0 and self._early_first:
            start -= 1
        w = Window(start, base + self._first_off, base + self._last_off)
        self._cached = (c, w)
        return w

    def window(self, first: int, last: int) -> Optional[Window]:
        """The capture whose steps `start..last` overlap `first..last`.

        Returns the earliest such `Window`, merged with any later ones the
        same span also overlaps, or None.
        """
        # Cycle c ends at step skip_first + (c + 1) * period; the earliest
        # cycle ending at or after `first`:
        c = max(0, -(-(first - self.skip_first) // self._period) - 1)
        if self.repeat and c >= self.repeat:
            return None
        w = self._cycle(c)
        if w.start > last:
            return None
        # A later cycle starts by `last` only when one call spans cycles.
        if last >= w.last + 1:
            c2 = (last - self.skip_first - 1 - self._start_off) // self._period
            if self.repeat:
                c2 = min(c2, self.repeat - 1)
            if c2 > c:
                w = Window(w.start, w.first, self._cycle(c2).last)
        return w

    def __repr__(self):
        return ("ProfileSchedule(wait=%d, warmup=%d, active=%d, repeat=%d, "
                "skip_first=%d)" % self._key)


class StepWindows(_Keyed):
    """Fixed windows of steps, each its own capture.

    Windows that share a step are an error. Adjacent windows, like `(1, 4)`
    and `(5, 8)`, stay two captures; the second then cannot start one step
    early (that step is the first's), so it starts at its first step.

    Args:
        windows: `(first, last)` pairs of 1-based steps, inclusive, sorted
            and not overlapping.

    Example:

    >>> w = StepWindows([(3, 5), (10, 10)])
    >>> w.window(1, 1) is None
    True
    >>> w.window(2, 2)
    Window(start=2, first=3, last=5)
    """

    def __init__(self, windows):
        self.windows = self._key = tuple((int(a), int(b))
                                         for a, b in windows)
        starts, firsts, lasts = [], [], []
        prev_last = 0
        for a, b in self.windows:
            if not 1 <= a <= b or a <= prev_last:
                raise ValueError("StepWindows: windows must be sorted, "
                                 "1-based and not overlapping, got %r"
                                 % (self.windows,))
            starts.append(a - 1 if a - 1 > prev_last else a)
            firsts.append(a)
            lasts.append(b)
            prev_last = b
        self._starts, self._lasts, self._n = starts, lasts, len(lasts)
        self._windows = [Window(*w) for w in zip(starts, firsts, lasts)]
        # Steps before `_begin` and after `_end` have no window: the common
        # case answers without bisecting.
        self._begin = starts[0] if starts else 1
        self._end = lasts[-1] if lasts else 0

    def window(self, first: int, last: int) -> Optional[Window]:
        """The capture whose steps `start..last` overlap `first..last`.

        Returns the earliest such `Window`, merged with any later ones the
        same span also overlaps (one call with `steps_per_execution` can
        span several), or None.
        """
        if last < self._begin or first > self._end:
            return None
        i = bisect.bisect_left(self._lasts, first)
        if i == self._n or self._starts[i] > last:
            return None
        w = self._windows[i]
        if i + 1 < self._n and self._starts[i + 1] <= last:
            j = bisect.bisect_right(self._starts, last) - 1
            w = Window(w.start, w.first, self._lasts[j])
        return w

    def __repr__(self):
        return "StepWindows(%r)" % (list(self.windows),)


def _pair(value, name, where):
    """(first, last) from an int, a tuple or a string."""
    if _is_int(value):
        pair = (value, value)
    elif isinstance(value, tuple):
        if len(value) != 2 or not all(_is_int(v) for v in value):
            raise ValueError("%s: a tuple must be (start, stop) with two "
                             "ints, got %r%s. Accepted: %s."
                             % (name, value, where, _FORMS))
        pair = value
    elif isinstance(value, str):
        try:
            pair = tuple(int(p) for p in value.split(","))  # int() strips
        except ValueError:
            pair = ()
        if len(pair) != 2:
            raise ValueError("%s: a string must be 'start,stop' with two "
                             "ints, got %r%s. Accepted: %s."
                             % (name, value, where, _FORMS))
    else:
        raise ValueError("%s: got %r of type %s%s. Accepted: %s."
                         % (name, value, type(value).__name__, where, _FORMS))
    a, b = int(pair[0]), int(pair[1])
    if a < 1 or b < 1:
        raise ValueError("%s: steps are 1-based, got %r%s; to profile "
                         "nothing pass None." % (name, value, where))
    if b < a:
        raise ValueError("%s: stop must be >= start, got %r%s."
                         % (name, value, where))
    return a, b


def parse(value, name="profile_steps"):
    """Parses a `profile_steps`-like argument.

    Args:
        value: None; an int `N` (step N only); an inclusive `(start, stop)`
            tuple of ints; a `"start,stop"` string; a list of those (several
            windows, in any order, not sharing steps); or a
            `ProfileSchedule`. Steps are global and 1-based.
        name: The argument's name, for error messages.

    Returns:
        None, or an object whose `window(first, last)` gives the `Window`
        overlapping steps `first..last` (or None).

    Raises:
        ValueError: naming `name` and what is accepted, for anything else.

    Example:

    >>> parse((10, 15)).window(9, 9)
    Window(start=9, first=10, last=15)
    >>> parse("3,4").window(1, 1) is None
    True
    >>> parse([20, (5, 6)]).windows
    ((5, 6), (20, 20))
    """
    if value is None or isinstance(value, (ProfileSchedule, StepWindows)):
        return value
    if isinstance(value, list):
        if not value:
            raise ValueError("%s: an empty list profiles nothing; pass None "
                             "for that. Accepted: %s." % (name, _FORMS))
        if len(value) == 2 and all(_is_int(v) for v in value):
            # keras.callbacks.TensorBoard reads [a, b] as the range a..b;
            # here a list is several windows. Refuse the guess.
            raise ValueError(
                "%s: %r is ambiguous; write (%d, %d) for steps %d to %d, or "
                "[(%d, %d), (%d, %d)] for the two steps alone."
                % ((name, value) + (value[0], value[1]) * 2
                   + (value[0], value[0], value[1], value[1])))
        pairs = sorted(_pair(item, name, " (item %d of the list)" % k)
                       for k, item in enumerate(value))
        for (a0, b0), (a1, b1) in zip(pairs, pairs[1:]):
            if a1 <= b0:
                raise ValueError("%s: windows %r and %r share steps; each "
                                 "step may be in one window only."
                                 % (name, (a0, b0), (a1, b1)))
        return StepWindows(pairs)
    return StepWindows([_pair(value, name, "")])
