"""Device-paced step times from batch-begin and batch-end hook times.

Keras calls the begin hook on the training thread, before it dispatches a
step. On the JAX and torch backends it runs the end hook later, in a thread
pool, once the step's logs have been copied to the host, that is once the
device has finished the step; on TensorFlow it runs it synchronously after the
same copy. Either way the end time is "results ready", but with asynchronous
dispatch the begin of step n+1 may come *before* the end of step n: the host
runs ahead of the device. So a step is timed from whichever is later, its own
begin or the previous step's end (when the device could start on it), to its
own end. What lies between the previous end and a later begin is input wait:
the device sat idle waiting for the host.

Consecutive figures then telescope: summed over a segment, `batch` + `wait`
equals the wall time from the segment's anchor (epoch begin) to its last end.

End hooks can run out of order in the thread pool. Steps finish on the device
in order, so a step's true end is no later than any later step's measured
end: `drain` uses that bound (a suffix minimum) before computing intervals.
"""

import bisect
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StepTime:
    """One hook call's timing; with `steps_per_execution=k` it spans k steps.

    `batch_ms` and `input_wait_ms` are per step (the call's time divided by
    the steps it ran).
    """

    first_step: int
    last_step: int
    batch_ms: float
    input_wait_ms: float
    end_time: float
    is_first: bool
    samples: object = None

    @property
    def steps(self):
        return self.last_step - self.first_step + 1


class _Entry:
    __slots__ = ("first", "begin", "end", "anchor", "is_first")

    def __init__(self, first, begin, anchor, is_first):
        self.first = first
        self.begin = begin
        self.end = None
        self.anchor = anchor
        self.is_first = is_first


class StepClock:
    """Thread-safe recorder that turns hook times into `StepTime`s in order.

    Args:
        now: The clock, `time.perf_counter` unless a test passes its own.

    Example:

    >>> clock = StepClock()
    >>> clock.anchor(0.0)
    >>> clock.begin(1, t=0.5)
    >>> clock.end(1, t=2.5)
    1
    >>> [round(s.batch_ms) for s in clock.drain()]
    [2000]
    """

    def __init__(self, now=time.perf_counter):
        self._now = now
        self._lock = threading.Lock()
        # First steps of pending calls, in order; entries before `_head`
        # are drained (trimmed in bulk: popping the front is O(n)).
        self._firsts = []
        self._head = 0
        self._entries = {}
        self._anchor = None
        self._next_is_first = False
        self._prev_end = None
        self.last_step = 0

    def anchor(self, t=None, first_of_call=False):
        """Marks where the next step's input wait starts (epoch begin)."""
        with self._lock:
            self._anchor = self._now() if t is None else t
            self._next_is_first = self._next_is_first or first_of_call

    def begin(self, first_step, t=None):
        t = self._now() if t is None else t
        with self._lock:
            entry = _Entry(first_step, t, self._anchor, self._next_is_first)
            self._anchor = None
            self._next_is_first = False
            self._entries[first_step] = entry
            self._firsts.append(first_step)

    def end(self, last_step, t=None, samples=None):
        """Records the end of the call whose steps include `last_step`.

        `samples`, the call's sample count if known, is passed through; it
        may be a function of the call's step count, evaluated at `drain`.
        Returns the call's first step, or None when no begin matches.
        """
        t = self._now() if t is None else t
        with self._lock:
            i = bisect.bisect_right(self._firsts, last_step, self._head) - 1
            if i < self._head:
                return None
            entry = self._entries[self._firsts[i]]
            entry.end = (t, last_step, samples)
            self.last_step = max(self.last_step, last_step)
            return entry.first

    def end_count(self, last_step, t=None, samples=None):
        """`end`, returning how many calls wait to be drained instead."""
        self.end(last_step, t, samples)
        return len(self._firsts) - self._head

    def pending(self):
        with self._lock:
            return len(self._firsts) - self._head

    def drain(self, final=False):
        """Returns the completed calls in step order and forgets them.

        A call still running blocks the ones after it until it ends, unless
        `final` is set (the run is over): then calls that never ended are
        dropped and the rest are returned.
        """
        with self._lock:
            done = []
            while self._head < len(self._firsts):
                entry = self._entries[self._firsts[self._head]]
                if entry.end is None and not final:
                    break
                self._head += 1
                del self._entries[entry.first]
                if entry.end is not None:
                    done.append(entry)
            del self._firsts[:self._head]
            self._head = 0
            return self._times(done)

    def _times(self, done):
        ends = [e.end[0] for e in done]
        for i in range(len(ends) - 2, -1, -1):
            ends[i] = min(ends[i], ends[i + 1])
        self._spread(done, ends)
        out = []
        for entry, end in zip(done, ends):
            prev = self._prev_end
            if entry.anchor is not None or prev is None:
                prev = entry.anchor if entry.anchor is not None else entry.begin
            start = max(entry.begin, prev)
            last, samples = entry.end[1], entry.end[2]
            steps = last - entry.first + 1
            if callable(samples):
                samples = samples(steps)
            out.append(
                StepTime(
                    first_step=entry.first,
                    last_step=last,
                    batch_ms=max(end - start, 0.0) * 1e3 / steps,
                    input_wait_ms=(start - prev) * 1e3 / steps,
                    end_time=end,
                    is_first=entry.is_first,
                    samples=samples,
                )
            )
            self._prev_end = end
        return out

    def _spread(self, done, ends):
        """Spreads a clump of equal end bounds over the clump's steps.

        When a later step's end hook ran first, the steps before it share
        its end as their bound: they all finished by then, and how the time
        divides among them is unknown. Evenly, from the clump's start, is
        the estimate that keeps every step's time positive and their sum
        exact; no step is made to end before it began.
        """
        i = 0
        prev = self._prev_end
        while i < len(done):
            j = i
            while j + 1 < len(done) and ends[j + 1] == ends[i] and (
                    done[j + 1].anchor is None):
                j += 1
            if j > i:
                if done[i].anchor is not None or prev is None:
                    prev = (done[i].anchor if done[i].anchor is not None
                            else done[i].begin)
                start = max(done[i].begin, prev)
                count = j - i + 1
                for k in range(i, j):
                    share = start + (ends[j] - start) * (k - i + 1) / count
                    ends[k] = min(max(share, done[k].begin), ends[j])
                    if k > i:
                        ends[k] = max(ends[k], ends[k - 1])
            prev = ends[j]
            i = j + 1
