"""Device-paced step times on one timeline for all the runs of a launch.

Keras calls the begin hook on the training thread, before it dispatches a
step; on JAX and torch it runs the end hook later, in a thread pool, once
the step's logs reached the host (the device finished it), on TensorFlow
synchronously. With asynchronous dispatch step n+1 may begin before step n
ends, so a step is timed from the later of its begin and the previous end
to its own end; a gap from the previous end to a later begin is input wait.

The runs of a launch share the device and one timeline: a validation step
begun while queued train steps run starts when they end. A step after an
anchor (a call's or epoch's begin) is timed from it (`epoch_start_ms`).
`batch` + `wait` + `epoch_start` telescope to the wall time from the
anchors to the last end: no time is counted twice.

End hooks can run late and out of order. Steps finish on the device in
order, so a step's end is no later than any later step's; a clump of late
ends is spread over its steps. Only a compile can hide an earlier step's
end (`intervals.bound_ends`).
"""

import bisect
import threading
import time

from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.steps import StepKind
from keras_timing.timer import intervals

_OPEN, _SETTLED, _CLOSED = 0, 1, 2
FIRST, RECOMPILE = StepKind.FIRST, StepKind.RECOMPILE
PROFILED = StepKind.PROFILED


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
        # Drains one at a time; the hooks wait only while one slices.
        self._draining = threading.Lock()
        # One column per field, one row per begun step, in begin order:
        # rows hold no per-step objects for the garbage collector to walk
        # while they wait to be drained. Row i is at `i - self._base`.
        self._base = 0
        self._head = 0       # the next row to drain (absolute)
        # `compiled`: it compiled (not just was first); `released`: when
        # that compile let go of the host; `values`: figures.MEASURED.
        self._columns = tuple([] for _ in range(13))
        (self._run, self._call, self._first, self._last, self._begin,
         self._end, self._anchor, self._kind, self._samples, self._state,
         self._compiled, self._released, self._values) = self._columns
        self._open = {}      # run -> (firsts, rows) begun, not yet ended
        self._anchors = {}   # run -> (time, first_of_call)
        self._calls = {}     # run -> call number of the next rows
        self._latest = {}    # run -> its latest row, settled or not
        self._held = {}      # run -> a row that waits for the next to end
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

    def begin(self, run, first_step, t=None, compiled=False, hold=False,
              values=None, released=None):
        """Records a step's begin; `compiled`: the run's previous step
        compiled, `released`: when that compile let go of the host (where
        known). `hold`: the previous step may be an epoch's partial last
        batch of unknown size; it waits until this one ends (then it was
        not). `values`: the previous step's measured figures
        (`figures.MEASURED`, ms by name over all its steps)."""
        t = self._now() if t is None else t
        with self._lock:
            if compiled or hold or values or released is not None:
                self._settle(run, compiled, hold, values, released)
            else:
                # The usual step: its previous step is over, no more.
                row = self._latest.pop(run, None)
                if row is not None and row >= self._base:
                    if self._state[row - self._base] == _OPEN:
                        self._state[row - self._base] = _SETTLED
            anchor = self._anchors.pop(run, None)
            row = self._base + len(self._run)
            self._run.append(run)
            self._call.append(self._calls.get(run, 0))
            self._first.append(first_step)
            self._last.append(first_step)
            self._begin.append(t)
            self._end.append(None)
            self._anchor.append(None if anchor is None else anchor[0])
            self._kind.append(FIRST if anchor is not None and anchor[1]
                              else None)
            self._compiled.append(False)
            self._released.append(None)
            self._samples.append(None)
            self._values.append(None)
            self._state.append(_OPEN)
            open_ = self._open.get(run)
            if open_ is None:
                open_ = self._open[run] = ([], [])
            firsts, rows = open_
            if firsts and first_step <= firsts[-1]:
                # The same step began again (a step whose data ran out was
                # begun, then the loop began it anew): the old one is dead.
                i = bisect.bisect_left(firsts, first_step)
                for dead in rows[i:]:
                    self._state[dead - self._base] = _CLOSED
                del firsts[i:], rows[i:]
            firsts.append(first_step)
            rows.append(row)
            self._latest[run] = row

    def settle(self, run, compiled=False, hold=False, values=None,
               released=None):
        """`run`'s latest step may be drained: whether it compiled is known
        (at an epoch's or a call's end; the next begin settles it too).
        `hold`, `values`, `released`: see `begin`."""
        with self._lock:
            self._settle(run, compiled, hold, values, released)

    def _settle(self, run, compiled, hold=False, values=None, released=None):
        row = self._latest.pop(run, None)
        if hold and row is not None:
            self._held.setdefault(run, []).append(row)
        if row is not None and row >= self._base:
            i = row - self._base
            if values:
                self._values[i] = values
            self._compiled[i] = self._compiled[i] or compiled
            if compiled and released is not None:
                self._released[i] = released
            # A compile outranks the profiler: the step counts as one.
            if compiled and self._kind[i] in (None, PROFILED):
                self._kind[i] = RECOMPILE
            if self._state[i] == _OPEN and not hold:
                self._state[i] = _SETTLED

    def mark(self, run, first_step, last_step, kind=PROFILED):
        """Gives `kind` to `run`'s undrained steps that meet steps
        `first_step..last_step`, unless they compiled (a compile kind
        stays, and a later compile replaces `kind`). Called only where
        something not the model's ran inside those steps (the profiler's
        start, stop or tracing); returns how many rows it marked.

        >>> line = Timeline()
        >>> line.anchor("train", 0.0, first_of_call=True)
        >>> for step in (1, 2, 3):
        ...     line.begin("train", step, t=float(step))
        >>> line.mark("train", 1, 2), line._kind
        (1, ['first', 'profiled', None])
        """
        with self._lock:
            marked = 0
            # Newest first: the caller marks the step it just began.
            for i in range(len(self._run) - 1,
                           self._head - self._base - 1, -1):
                if self._run[i] is not run:
                    continue
                if self._last[i] < first_step:
                    break
                if self._first[i] <= last_step and self._kind[i] is None:
                    self._kind[i] = kind
                    marked += 1
            return marked

    def end(self, run, last_step, t=None, samples=None):
        """Records the end of the call whose steps include `last_step`.

        `samples`, the call's sample count if known, is passed through; it
        may be a function of the call's step count, evaluated at `drain`.
        Returns how many rows wait to be drained.
        """
        t = self._now() if t is None else t
        with self._lock:
            open_ = self._open.get(run)
            if open_:
                firsts, rows = open_
                k = bisect.bisect_right(firsts, last_step) - 1
                if k >= 0:
                    i = rows[k] - self._base
                    self._end[i] = t
                    self._last[i] = last_step
                    self._samples[i] = samples
                    del firsts[k], rows[k]
                    held = self._held.get(run)
                    while held and held[0] < i + self._base:
                        # A later step ran: this one was not the last.
                        row = held.pop(0) - self._base
                        if row >= 0:
                            self._state[row] = _SETTLED
            return self._base + len(self._run) - self._head

    def has_pending(self, run, call):
        """Whether a step of `run`'s call number `call` (or an earlier one)
        is still to be drained."""
        with self._lock:
            start = self._head - self._base
            return any(r is run and c <= call for r, c in zip(
                self._run[start:], self._call[start:]))

    def close(self):
        """Steps begun and never ended are dropped (their data ran out).

        Call it only where Keras has run every end hook it will run: at an
        epoch's end and at the end of an outermost fit/evaluate/predict.
        """
        with self._lock:
            for firsts, rows in self._open.values():
                for row in rows:
                    self._state[row - self._base] = _CLOSED
            self._open.clear()
            for run in list(self._latest):
                self._settle(run, False)
            for rows in self._held.values():
                # No step after it ended: it was the epoch's last, and its
                # batch may be partial.
                for row in rows:
                    i = row - self._base
                    if i >= 0 and self._state[i] != _CLOSED:
                        self._samples[i] = UNKNOWN_SAMPLES
                        self._state[i] = _SETTLED
            self._held.clear()

    def drain(self):
        """Returns the completed steps in begin order and forgets them, as
        a `StepBlock` (a sequence of `StepTime`s, each made only where
        read: the writer reads their columns).

        A step still running blocks the ones after it until it ends or is
        closed; closed steps are dropped.
        """
        with self._draining:
            with self._lock:
                start = i = self._head - self._base
                state, ends, n = self._state, self._end, len(self._run)
                while i < n:
                    if state[i] != _CLOSED and (
                            ends[i] is None or state[i] == _OPEN):
                        break
                    i += 1
                # A row whose end came after a later row began waits until
                # that row has ended and is settled: its end bounds this one,
                # and if it compiled, this one's end moves.
                if i < n:
                    for k in range(start, i):
                        if ends[k] is not None and ends[k] > self._begin[i]:
                            i = k
                            break
                if None in ends[start:i]:
                    done = [k for k in range(start, i) if ends[k] is not None]
                    rows = [[column[k] for k in done]
                            for column in self._columns]
                else:
                    # No row closed (the usual drain): plain slices.
                    rows = [column[start:i] for column in self._columns]
                self._head = self._base + i
                if i > 4096 or i == n:
                    for column in self._columns:
                        del column[:i]
                    self._base += i
            # The rows are copies: the hooks need not wait for this.
            return self._times(*rows)

    def _times(self, runs, calls, firsts, lasts, begins, ends, anchors,
               kinds, samples, _, compiled, released, values):
        ends = intervals.bound_ends(begins, ends, kinds, compiled, released)
        prevs, self._prev_end = intervals.spread(begins, anchors, ends,
                                                 compiled, self._prev_end)
        return StepBlock.timed(firsts, lasts, begins, ends, prevs,
                               [a is not None for a in anchors], kinds,
                               samples, runs, calls, values)
