"""The timeline's rows: one per begun step, in begin order (`clock.py`).

The hooks only log their times (`Timeline`); the writer thread replays the
log here (`replay.py`), in the order the hooks ran, under the timeline's
lock: rows are
begun, ended, settled, marked and closed as the hooks said, then taken in
begin order once complete. Nothing here locks or reads a clock.
"""

import bisect

from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepKind

_OPEN, _SETTLED, _CLOSED = 0, 1, 2
FIRST, RECOMPILE = StepKind.FIRST, StepKind.RECOMPILE
PROFILED = StepKind.PROFILED


class Rows:
    """The rows of the steps begun and not yet taken, one column per field.

    Rows hold no per-step objects for the garbage collector to walk while
    they wait. Row i is at `i - self.base`.

    Example:

    >>> rows = Rows()
    >>> rows.anchor("train", 0.0, True)
    >>> rows.begin("train", 1, 0.5)
    >>> rows.end("train", 1, 2.5, None)
    >>> rows.settle("train", False)
    >>> columns, taken = rows.take()
    >>> columns[4], columns[5], taken
    ([0.5], [2.5], 1)
    """

    def __init__(self):
        self.base = 0
        self.head = 0       # the next row to take (absolute)
        # `compiled`: it compiled (not just was first); `released`: when
        # that compile let go of the host; `values`: figures.MEASURED.
        self.columns = tuple([] for _ in range(13))
        (self._run, self._call, self._first, self._last, self._begin,
         self._end, self._anchor, self._kind, self._samples, self._state,
         self._compiled, self._released, self._values) = self.columns
        self._open = {}      # run -> (firsts, rows) begun, not yet ended
        self._anchors = {}   # run -> (time, first_of_call)
        self._calls = {}     # run -> call number of the next rows
        self._latest = {}    # run -> its latest row, settled or not
        self._held = {}      # run -> a row that waits for the next to end

    def open_firsts(self, run):
        """The first steps of `run`'s rows begun and not yet ended, in
        begin order; None while a row of it is held."""
        if self._held.get(run):
            return None
        open_ = self._open.get(run)
        return list(open_[0]) if open_ else []

    def add_stretch(self, run, firsts, begins, values, which, lasts, ends,
                    samples):
        """Steps `firsts` of `run` (none held), begun at `begins` (each
        with the `values` of the step before), in increasing order after
        its open steps; end `k` (at `ends[k]`, with `lasts[k]` and
        `samples[k]`) ends row `which[k]` of the open steps then the new
        ones, after its begin: as begins and ends one at a time would add
        them (`replay.py` checks the order). Keras's pool runs end hooks
        behind the begins on JAX and torch, sometimes out of order, so a
        drain usually finds a step or two still open."""
        # Copies: the begin below appends to the run's open lists.
        old_firsts, old_rows = map(list, self._open.get(run) or ([], []))
        self.begin(run, firsts[0], begins[0], values[0])
        i = len(self._run) - 1
        n, more = len(firsts), len(firsts) - 1
        self._run.extend([run] * more)
        self._call.extend([self._call[i]] * more)
        self._first.extend(firsts[1:])
        self._last.extend(firsts[1:])
        self._begin.extend(begins[1:])
        for column in (self._end, self._anchor, self._kind, self._released,
                       self._samples, self._values):
            column.extend([None] * more)
        self._compiled.extend([False] * more)
        self._state.extend([_SETTLED] * more)
        # Each begin settled the row before; the last is the latest.
        self._state[i], self._state[-1] = _SETTLED, _OPEN
        if values.count(None) != n:
            self._values[i:i + more] = values[1:]
        row = self.base + i
        rows = old_rows + list(range(row, row + n))
        end, last, size = self._end, self._last, self._samples
        for k, t, step, samples_ in zip(which, ends, lasts, samples):
            at = rows[k] - self.base
            end[at], last[at], size[at] = t, step, samples_
        ended = set(which)
        firsts = old_firsts + firsts
        self._open[run] = ([f for k, f in enumerate(firsts) if k not in ended],
                           [r for k, r in enumerate(rows) if k not in ended])
        self._latest[run] = row + n - 1

    def anchor(self, run, t, first_of_call):
        old = self._anchors.get(run)
        self._anchors[run] = (t, first_of_call or bool(old and old[1]))
        if first_of_call:
            self._calls[run] = self._calls.get(run, 0) + 1

    def begin(self, run, first_step, t, values=None):
        """The usual begin: the run's previous step is over, and measured
        `values` where given (`Timeline.begin`)."""
        row = self._latest.pop(run, None)
        if row is not None and row >= self.base:
            i = row - self.base
            if values:
                self._values[i] = values
            if self._state[i] == _OPEN:
                self._state[i] = _SETTLED
        self._add(run, first_step, t)

    def begin_after(self, run, first_step, t, compiled, hold, values,
                    released):
        """A begin whose previous step compiled, holds or was measured
        (see `Timeline.begin`)."""
        self.settle(run, compiled, hold, values, released)
        self._add(run, first_step, t)

    def _add(self, run, first_step, t):
        anchor = self._anchors.pop(run, None)
        row = self.base + len(self._run)
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
                self._state[dead - self.base] = _CLOSED
            del firsts[i:], rows[i:]
        firsts.append(first_step)
        rows.append(row)
        self._latest[run] = row

    def settle(self, run, compiled, hold=False, values=None, released=None):
        row = self._latest.pop(run, None)
        if hold and row is not None:
            self._held.setdefault(run, []).append(row)
        if row is not None and row >= self.base:
            i = row - self.base
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

    def mark(self, run, first_step, last_step, kind):
        """See `Timeline.mark`."""
        marked = 0
        # Newest first: the caller marks the step it just began.
        for i in range(len(self._run) - 1, self.head - self.base - 1, -1):
            if self._run[i] is not run:
                continue
            if self._last[i] < first_step:
                break
            if self._first[i] <= last_step and self._kind[i] is None:
                self._kind[i] = kind
                marked += 1
        return marked

    def end(self, run, last_step, t, samples):
        open_ = self._open.get(run)
        if open_:
            firsts, rows = open_
            k = bisect.bisect_right(firsts, last_step) - 1
            if k >= 0:
                i = rows[k] - self.base
                self._end[i] = t
                self._last[i] = last_step
                self._samples[i] = samples
                del firsts[k], rows[k]
                held = self._held.get(run)
                while held and held[0] < i + self.base:
                    # A later step ran: this one was not the last.
                    row = held.pop(0) - self.base
                    if row >= 0:
                        self._state[row] = _SETTLED

    def has_pending(self, run, call):
        start = self.head - self.base
        return any(r is run and c <= call for r, c in zip(
            self._run[start:], self._call[start:]))

    def close(self):
        """Steps begun and never ended are dropped (their data ran out)."""
        for firsts, rows in self._open.values():
            for row in rows:
                self._state[row - self.base] = _CLOSED
        self._open.clear()
        for run in list(self._latest):
            self.settle(run, False)
        for rows in self._held.values():
            # No step after it ended: it was the epoch's last, and its
            # batch may be partial.
            for row in rows:
                i = row - self.base
                if i >= 0 and self._state[i] != _CLOSED:
                    self._samples[i] = UNKNOWN_SAMPLES
                    self._state[i] = _SETTLED
        self._held.clear()

    def take(self):
        """The complete rows in begin order, as copied columns, and how
        many rows were passed (closed ones, dropped, included); they are
        forgotten. A step still running blocks the ones after it."""
        start = i = self.head - self.base
        state, ends, n = self._state, self._end, len(self._run)
        while i < n:
            if state[i] != _CLOSED and (
                    ends[i] is None or state[i] == _OPEN):
                break
            i += 1
        # A row whose end came after a later row began waits until that
        # row has ended and is settled: its end bounds this one, and if it
        # compiled, this one's end moves.
        if i < n:
            for k in range(start, i):
                if ends[k] is not None and ends[k] > self._begin[i]:
                    i = k
                    break
        if None in ends[start:i]:
            done = [k for k in range(start, i) if ends[k] is not None]
            rows = [[column[k] for k in done] for column in self.columns]
        else:
            # No row closed (the usual take): plain slices.
            rows = [column[start:i] for column in self.columns]
        self.head = self.base + i
        if i > 4096 or i == n:
            for column in self.columns:
                del column[:i]
            self.base += i
        return rows, i - start
