"""`profile_slow_steps`: notice a step much slower than usual, capture next.

Pure Python, fed from the begin hook of every train batch.
"""

import numbers
import statistics
from collections import deque

from keras_timing.profiling.schedule import Window


class SlowSteps:
    """Notices a step much slower than usual and names the steps to trace.

    Fed the begin time of each call, it keeps the last 64 intervals between
    consecutive begins and their median (refreshed every 16 calls); when an
    interval exceeds `factor` times that median, the steps right after it
    are worth a capture: `observe` returns `Window(start=step,
    first=step + 1, last=step + active)` (the profiler starts at once, one
    step early as usual). After a trigger it waits `cooldown` steps past the
    window, and it triggers at most `max_captures` times.

    Args:
        factor: How many times the median interval counts as slow (> 1).
        active: Steps to mark after a slow one.
        cooldown: Steps after a window before another trigger.
        max_captures: Triggers in all.

    Example:

    >>> slow = SlowSteps(3.0, active=2)
    >>> for step in range(1, 40):
    ...     _ = slow.observe(step, step * 0.01)
    >>> slow.observe(40, 39 * 0.01 + 0.5)
    Window(start=40, first=41, last=42)
    """

    def __init__(self, factor, active=3, cooldown=20, max_captures=5):
        self.factor = factor
        self.active = active
        self.cooldown = cooldown
        self.max_captures = max_captures
        self.triggers = []
        self._intervals = deque(maxlen=64)
        self._median = None
        self._last = None
        self._seen = 0
        self._quiet_until = 0

    def reset(self):
        """No interval across this point (epoch ends, compilation)."""
        self._last = None

    def observe(self, step, t):
        last, self._last = self._last, t
        if last is None:
            return None
        interval = t - last
        slow = (self._median is not None and step > self._quiet_until
                and len(self.triggers) < self.max_captures
                and interval > self.factor * self._median)
        if slow:
            window = Window(step, step + 1, step + self.active)
            self.triggers.append((step, interval, self._median))
            self._quiet_until = window.last + self.cooldown
            return window
        self._intervals.append(interval)
        self._seen += 1
        if self._seen % 16 == 0:
            self._median = statistics.median(self._intervals)
        return None


def parse_factor(value, name="profile_slow_steps"):
    """`value` as a slow-step factor (a number > 1), or None."""
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not value > 1):
        raise ValueError("%s must be a number > 1 (how many times the "
                         "median step time counts as slow) or None, got %r"
                         % (name, value))
    return float(value)
