"""Device-paced step times on one timeline for all the runs of a launch.

Keras calls the begin hook on the training thread, before it dispatches a
step. On the JAX and torch backends it runs the end hook later, in a thread
pool, once the step's logs reached the host, that is once the device has
finished the step; on TensorFlow it runs it synchronously after the same
copy. Either way the end time is "results ready", but with asynchronous
dispatch the begin of step n+1 may come *before* the end of step n: the host
runs ahead of the device. So a step is timed from whichever is later, its own
begin or the previous step's end (when the device could start on it), to its
own end. What lies between the previous end and a later begin is input wait:
the device sat idle waiting for the host.

The runs of a launch share the device, so they share one timeline: a
validation step that Keras begins while queued train steps still run cannot
start before they end, and train + validation never add up to more than the
wall time. The first step after an anchor (a call's or an epoch's begin) is
timed from the anchor; the gap before it (iterator creation, the first fetch)
is that step's `epoch_start_ms`, not input wait. Summed over a call, `batch` +
`wait` + `epoch_start` telescope to the wall time from the anchors to the
last end.

End hooks can run late and out of order in the thread pool. Steps finish on
the device in order, so a step's true end is no later than any later step's
measured end (a suffix minimum). Ends that arrive in a clump (faster than the
steps were begun, each after the next step's begin) only say that the clump
was done by its last end: its time is spread evenly over its steps.
"""

import bisect
import threading
import time
from dataclasses import dataclass

FIRST = "first"
RECOMPILE = "recompile"


@dataclass(frozen=True, slots=True)
class StepTime:
    """One hook call's timing; with `steps_per_execution=k` it spans k steps.

    `batch_ms`, `input_wait_ms` and `epoch_start_ms` are per step (the
    call's time divided by the steps it ran). `kind` is `"first"` (a call's
    first step: tracing, compilation, warm-up), `"recompile"` (a step that
    compiled again, e.g. for a partial last batch) or None.
    """

    first_step: int
    last_step: int
    batch_ms: float
    input_wait_ms: float
    end_time: float
    kind: object = None
    samples: object = None
    epoch_start_ms: float = 0.0
    run: object = None
    call: int = 0

    @property
    def steps(self):
        return self.last_step - self.first_step + 1

    @property
    def is_first(self):
        return self.kind == FIRST

    @property
    def interval_ms(self):
        """The whole step, batch plus input wait, for all its steps."""
        return (self.batch_ms + self.input_wait_ms) * self.steps


class _Entry:
    __slots__ = ("run", "call", "first", "begin", "end", "last", "samples",
                 "anchor", "kind", "closed", "settled")

    def __init__(self, run, call, first, begin, anchor, kind):
        self.run = run
        self.call = call
        self.first = first
        self.begin = begin
        self.anchor = anchor
        self.kind = kind
        self.end = self.last = self.samples = None
        self.closed = self.settled = False


class Timeline:
    """Thread-safe recorder that turns hook times into `StepTime`s in order.

    Args:
        now: The clock, `time.perf_counter` unless a test passes its own.

    Example:

    >>> line = Timeline()
    >>> line.anchor("train", 0.0, first_of_call=True)
    >>> line.begin("train", 1, t=0.5)
    >>> line.end("train", 1, t=2.5)
    1
    >>> line.settle("train")
    >>> [(s.epoch_start_ms, s.batch_ms, s.kind) for s in line.drain()]
    [(500.0, 2000.0, 'first')]
    """

    def __init__(self, now=time.perf_counter):
        self._now = now
        self._lock = threading.Lock()
        self._queue = []     # entries in begin order; drained from `_head`
        self._head = 0
        self._open = {}      # run -> (firsts, entries) not yet ended
        self._anchors = {}   # run -> (time, first_of_call)
        self._calls = {}     # run -> call number of the next entries
        self._last = {}      # run -> its latest entry, settled or not
        self._prev_end = None

    def anchor(self, run, t=None, first_of_call=False):
        """Marks where `run`'s next step is timed from (call/epoch begin)."""
        t = self._now() if t is None else t
        with self._lock:
            old = self._anchors.get(run)
            self._anchors[run] = (t, first_of_call or bool(old and old[1]))
            if first_of_call:
                self._calls[run] = self._calls.get(run, 0) + 1

    def call_number(self, run):
        with self._lock:
            return self._calls.get(run, 0)

    def begin(self, run, first_step, t=None, compiled=False):
        """Records a step's begin; `compiled`: the run's previous step
        compiled (the caller saw a compilation since that step began)."""
        t = self._now() if t is None else t
        with self._lock:
            self._settle(run, compiled)
            anchor = self._anchors.pop(run, None)
            kind = FIRST if anchor is not None and anchor[1] else None
            entry = _Entry(run, self._calls.get(run, 0), first_step, t,
                           None if anchor is None else anchor[0], kind)
            self._queue.append(entry)
            firsts, entries = self._open.setdefault(run, ([], []))
            if firsts and first_step <= firsts[-1]:
                # The same step began again (a step whose data ran out was
                # begun, then the loop began it anew): the old one is dead.
                i = bisect.bisect_left(firsts, first_step)
                for dead in entries[i:]:
                    dead.closed = True
                del firsts[i:], entries[i:]
            firsts.append(first_step)
            entries.append(entry)
            self._last[run] = entry

    def settle(self, run, compiled=False):
        """`run`'s latest step may be drained: whether it compiled is known
        (at an epoch's or a call's end; the next begin settles it too)."""
        with self._lock:
            self._settle(run, compiled)

    def _settle(self, run, compiled):
        entry = self._last.pop(run, None)
        if entry is not None:
            if compiled and entry.kind is None:
                entry.kind = RECOMPILE
            entry.settled = True

    def end(self, run, last_step, t=None, samples=None):
        """Records the end of the call whose steps include `last_step`.

        `samples`, the call's sample count if known, is passed through; it
        may be a function of the call's step count, evaluated at `drain`.
        Returns how many entries wait to be drained.
        """
        t = self._now() if t is None else t
        with self._lock:
            open_ = self._open.get(run)
            if open_:
                firsts, entries = open_
                i = bisect.bisect_right(firsts, last_step) - 1
                if i >= 0:
                    entry = entries[i]
                    entry.end, entry.last, entry.samples = (
                        t, last_step, samples)
                    del firsts[i], entries[i]
            return len(self._queue) - self._head

    def pending(self):
        with self._lock:
            return len(self._queue) - self._head

    def has_pending(self, run, call):
        """Whether a step of `run`'s call number `call` (or an earlier one)
        is still to be drained."""
        with self._lock:
            queue = self._queue
            return any(queue[i].run is run and queue[i].call <= call
                       for i in range(self._head, len(queue)))

    def close(self):
        """Steps begun and never ended are dropped (their data ran out).

        Call it only where Keras has run every end hook it will run: at an
        epoch's end and at the end of an outermost fit/evaluate/predict.
        """
        with self._lock:
            for firsts, entries in self._open.values():
                for entry in entries:
                    entry.closed = True
            self._open.clear()
            for entry in self._last.values():
                entry.settled = True
            self._last.clear()

    def drain(self):
        """Returns the completed steps in begin order and forgets them.

        A step still running blocks the ones after it until it ends or is
        closed; closed steps are dropped.
        """
        with self._lock:
            done = []
            queue = self._queue
            while self._head < len(queue):
                entry = queue[self._head]
                if not entry.closed and (entry.end is None
                                         or not entry.settled):
                    break
                self._head += 1
                if entry.end is not None:
                    done.append(entry)
            if self._head > 1024 or self._head == len(queue):
                del queue[:self._head]
                self._head = 0
            return self._times(done)

    def _times(self, done):
        ends = [e.end for e in done]
        for i in range(len(ends) - 2, -1, -1):
            if ends[i + 1] < ends[i]:
                ends[i] = ends[i + 1]
        prevs = self._spread(done, ends)
        out = []
        for entry, end, prev in zip(done, ends, prevs):
            start = max(entry.begin, prev)
            steps = entry.last - entry.first + 1
            samples = entry.samples
            if callable(samples):
                samples = samples(steps)
            gap = (start - prev) * 1e3 / steps
            anchored = entry.anchor is not None
            out.append(StepTime(
                first_step=entry.first, last_step=entry.last,
                batch_ms=max(end - start, 0.0) * 1e3 / steps,
                input_wait_ms=0.0 if anchored else gap,
                end_time=end, kind=entry.kind, samples=samples,
                epoch_start_ms=gap if anchored else 0.0,
                run=entry.run, call=entry.call))
        return out

    def _spread(self, done, ends):
        """Spreads each clump of ends evenly over its steps.

        Returns each step's `prev` (where its interval may start) and sets
        `ends` in place. A clump is a run of steps whose end hooks arrived
        after the next step's begin and closer together than the steps were
        begun: how the clump's time divides among its steps is unknown, and
        evenly from the clump's start is the estimate that keeps every step
        positive and their sum exact. No step is made to end before it
        began.
        """
        prevs = []
        prev = self._prev_end
        i = 0
        while i < len(done):
            first = done[i]
            if first.anchor is not None:
                prev = first.anchor if prev is None else max(prev, first.anchor)
            elif prev is None:
                prev = first.begin
            j = i
            while j + 1 < len(done) and done[j + 1].anchor is None and (
                    ends[j] >= done[j + 1].begin) and (
                    ends[j + 1] - ends[j]
                    <= done[j + 1].begin - done[j].begin):
                j += 1
            prevs.append(prev)
            if j > i:
                start = max(first.begin, prev)
                count = j - i + 1
                for k in range(i, j):
                    share = start + (ends[j] - start) * (k - i + 1) / count
                    ends[k] = min(max(share, done[k].begin, ends[k - 1]
                                      if k > i else share), ends[j])
                    prevs.append(ends[k])
            prev = ends[j]
            i = j + 1
        self._prev_end = prev
        return prevs
