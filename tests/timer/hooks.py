"""Hook sequences and set-ups the clock tests share, each declared once.

A sequence of late end hooks is asserted at two levels: on `intervals`'
pure `spread` (test_intervals.py) and replayed through a `Timeline`
(test_clock.py, test_intervals.py). Times are seconds, as
`time.perf_counter` gives them; no Keras, no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_timing.timer.clock import Timeline
from keras_timing.timer.intervals import spread

T, V = "train", "validation"


def run_steps(line, run, pairs, first=1):
    """Begins and ends steps `first`.. one after the other at the given
    `(begin, end)` times, then settles the run (no step compiled).

    >>> line = Timeline()
    >>> line.anchor(T, 0.0)
    >>> run_steps(line, T, [(0.1, 0.3)])
    >>> [(t.last_step, round(t.batch_ms)) for t in line.drain()]
    [(1, 200)]
    """
    for i, (b, e) in enumerate(pairs, first):
        line.begin(run, i, t=b)
        line.end(run, i, t=e)
    line.settle(run)


def one_step_ended(samples=32):
    """A Timeline whose train run was anchored at 0.0 and whose step 1 ran
    0.0 -> 0.1 with `samples`; not settled yet: the next begin or a settle
    says whether it compiled, and whether it is held."""
    line = Timeline()
    line.anchor(T, 0.0)
    line.begin(T, 1, t=0.0)
    line.end(T, 1, t=0.1, samples=samples)
    return line


@dataclass(frozen=True)
class LateHooks:
    """Steps 1.. of one run begun at `begins`, the run anchored at
    `anchors[i]` just before step i where that is not None, whose end hooks
    all came after the last begin, in step order, at `ends`. No step
    compiled; the ends rise, so `bound_ends` leaves them as they are.

    >>> seq = LateHooks((0.1, 0.2), (0.0, None), (1.0, 1.001))
    >>> [round(t.batch_ms, 1) for t in seq.replay()]
    [450.5, 450.5]
    """

    begins: tuple
    anchors: tuple
    ends: tuple

    def shifted(self, origin: float) -> LateHooks:
        """The same hooks `origin` seconds later (perf_counter's origin
        is arbitrary)."""
        return LateHooks(
            tuple(b + origin for b in self.begins),
            tuple(None if a is None else a + origin for a in self.anchors),
            tuple(e + origin for e in self.ends))

    def spread(self):
        """`intervals.spread` on these hooks, from no previous drain:
        `(prevs, ends, last)`."""
        ends = list(self.ends)
        prevs, last = spread(list(self.begins), list(self.anchors), ends,
                             [False] * len(ends), None)
        return prevs, ends, last

    def replay(self, run=T):
        """The drained `StepTime`s of these hooks through a new Timeline,
        settled at the end."""
        line = Timeline()
        for step, (begin, anchor) in enumerate(
                zip(self.begins, self.anchors), 1):
            if anchor is not None:
                line.anchor(run, anchor)
            line.begin(run, step, t=begin)
        for step, end in enumerate(self.ends, 1):
            line.end(run, step, t=end)
        line.settle(run)
        return line.drain()


# A host-bound asynchronous loop: a step begun every 0.2 s from 0.2, the
# end hooks late and together, 1 ms apart (they waited for the GIL).
CLUMP = LateHooks((0.2, 0.4, 0.6, 0.8, 1.0), (0.0, None, None, None, None),
                  (1.301, 1.302, 1.303, 1.304, 1.305))

# Steps 1, 2 begin at 0.1, 0.2; the next epoch anchors at 0.25 and begins
# step 3 at 0.3; the three end hooks come together at 1.0 .. 1.002.
EPOCH_INSIDE_CLUMP = LateHooks((0.1, 0.2, 0.3), (0.0, None, 0.25),
                               (1.0, 1.001, 1.002))

# Device-bound: the host runs ahead (begins 1 ms apart) and the device
# takes 10, 50 and 10 ms.
DEVICE_BOUND = LateHooks((0.001, 0.002, 0.003), (0.0, None, None),
                         (0.011, 0.061, 0.071))
