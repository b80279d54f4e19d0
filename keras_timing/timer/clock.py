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

The hooks only log: each extends one list by five items (its kind, run,
step, time and one more), with no lock (a list's extend by a tuple is
atomic under the GIL, and the list holds no object per step for the
garbage collector to walk: only the items), and the training thread
and Keras's pool never wait for each other or for the writer. The writer
thread replays the log into the rows (`replay.py`, `rows.py`) under the
lock, in the order the hooks ran, then drains them.
"""

import threading
import time

from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.steps import StepKind
from keras_timing.timer import intervals
from keras_timing.timer import replay
from keras_timing.timer import rows

PROFILED = StepKind.PROFILED
_BEGIN, _BEGIN_AFTER, _END = replay.BEGIN, replay.BEGIN_AFTER, replay.END
_ANCHOR, _SETTLE, _CLOSE = replay.ANCHOR, replay.SETTLE, replay.CLOSE


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
        # Replays and reads of the rows, one at a time; never the hooks.
        self._lock = threading.Lock()
        # Drains one at a time.
        self._draining = threading.Lock()
        self._log = []
        self._rows = rows.Rows()
        self._calls = {}     # run -> its calls begun (anchor time)
        # Steps begun (only begin hooks add: one thread, the caller's)
        # and passed by drains: their difference waits.
        self._begun = self._passed = 0
        self._prev_end = None

    def anchor(self, run, t=None, first_of_call=False):
        """Marks where `run`'s next step is timed from (call/epoch begin)."""
        t = self._now() if t is None else t
        if first_of_call:
            self._calls[run] = self._calls.get(run, 0) + 1
        self._log.extend((_ANCHOR, run, first_of_call, t, None))

    def call_number(self, run):
        return self._calls.get(run, 0)

    def begin(self, run, first_step, t=None, compiled=False, hold=False,
              values=None, released=None):
        """Records a step's begin; `compiled`: the run's previous step
        compiled, `released`: when that compile let go of the host (where
        known). `hold`: the previous step may be an epoch's partial last
        batch of unknown size; it waits until this one ends (then it was
        not). `values`: the previous step's measured figures
        (`figures.MEASURED`, ms by name over all its steps)."""
        if t is None:
            t = self._now()
        self._begun += 1
        if compiled or hold or released is not None:
            self._log.extend((_BEGIN_AFTER, run, first_step, t,
                              (compiled, hold, values, released)))
        else:
            # The usual step: its previous step is over (and measured).
            self._log.extend((_BEGIN, run, first_step, t, values or None))

    def settle(self, run, compiled=False, hold=False, values=None,
               released=None):
        """`run`'s latest step may be drained: whether it compiled is known
        (at an epoch's or a call's end; the next begin settles it too).
        `hold`, `values`, `released`: see `begin`."""
        self._log.extend((_SETTLE, run, 0, None,
                          (compiled, hold, values, released)))

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
        >>> line.mark("train", 1, 2)
        1
        >>> for step in (1, 2, 3):
        ...     _ = line.end("train", step, t=step + 0.5)
        >>> line.close()
        >>> [s.kind for s in line.drain()]
        ['first', 'profiled', None]
        """
        with self._lock:
            self._replay()
            return self._rows.mark(run, first_step, last_step, kind)

    def end(self, run, last_step, t=None, samples=None):
        """Records the end of the call whose steps include `last_step`.

        `samples`, the call's sample count if known, is passed through; it
        may be a function of the call's step count, evaluated at `drain`.
        Returns how many steps wait to be drained.
        """
        if t is None:
            t = self._now()
        self._log.extend((_END, run, last_step, t, samples))
        return self._begun - self._passed

    def has_pending(self, run, call):
        """Whether a step of `run`'s call number `call` (or an earlier one)
        is still to be drained."""
        with self._lock:
            self._replay()
            return self._rows.has_pending(run, call)

    def close(self):
        """Steps begun and never ended are dropped (their data ran out).

        Call it only where Keras has run every end hook it will run: at an
        epoch's end and at the end of an outermost fit/evaluate/predict.
        """
        self._log.extend((_CLOSE, None, 0, None, None))

    def drain(self):
        """Returns the completed steps in begin order and forgets them, as
        a `StepBlock` (a sequence of `StepTime`s, each made only where
        read: the writer reads their columns).

        A step still running blocks the ones after it until it ends or is
        closed; closed steps are dropped.
        """
        with self._draining:
            with self._lock:
                self._replay()
                columns, passed = self._rows.take()
                self._passed += passed
            # The rows are copies: the hooks need not wait for this.
            return self._times(*columns)

    def _replay(self):
        """The logged hooks into the rows, in the order they ran (the
        caller holds the lock)."""
        log = self._log
        n = len(log)
        if not n:
            return
        # Hooks append while this runs: only the first n are taken.
        entries = log[:n]
        del log[:n]
        replay.replay(self._rows, entries)

    def _times(self, runs, calls, firsts, lasts, begins, ends, anchors,
               kinds, samples, _, compiled, released, values):
        ends, prevs, self._prev_end = intervals.bound_and_spread(
            begins, ends, kinds, compiled, released, anchors, self._prev_end)
        return StepBlock.timed(firsts, lasts, begins, ends, prevs,
                               [a is not None for a in anchors], kinds,
                               samples, runs, calls, values)
