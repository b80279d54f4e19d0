"""The writer's bulk work: numpy over a block of drained steps.

A drain hands the statistics thousands of steps at once; folding them one
by one in Python cost more than the hooks that recorded them. `StepBlock`
reads a block's columns once; the statistics, the decimator and the points
work on the columns, and only the few steps that are not plain counted
steps (a pass's first, a compile, a profiled step) one by one.
"""

import numpy as np

from keras_timing.analysis.steps import StepTime


_SIZES = {int, type(None)}


class StepBlock:
    """The columns of drained `StepTime`s, in order.

    Args:
        times: The `StepTime`s.

    Attributes:
        times: The list itself (the few odd steps are read from it).
        first, last, steps: int64 arrays: first and last step, steps each.
        batch, wait: float64 arrays of `batch_ms` and `input_wait_ms`.
        samples: int64 array; a step of unknown size (None) holds 0.
        unsized: Whether a step's size is unknown (None).
        odd: Indices of the steps that are not plain counted steps: a kind,
            a pass's first (`opens`) or an epoch start.
        values: Each step's measured figures (a dict, or None), a list.

    >>> b = StepBlock([StepTime(1, 2, 3.0, 1.0, 0.0, samples=4),
    ...                StepTime(3, 3, 2.0, 0.0, 0.0, "first", None)])
    >>> b.steps.tolist(), b.samples.tolist(), b.unsized, b.odd
    ([2, 1], [4, 0], True, [1])
    """

    __slots__ = ("times", "first", "last", "steps", "batch", "wait",
                 "samples", "unsized", "odd", "runs", "calls", "values",
                 "_measured")

    def __init__(self, times):
        self.times = times
        self.first = np.array([t.first_step for t in times], np.int64)
        self.last = np.array([t.last_step for t in times], np.int64)
        self.steps = self.last - self.first + 1
        self.batch = np.array([t.batch_ms for t in times], np.float64)
        self.wait = np.array([t.input_wait_ms for t in times], np.float64)
        samples = [t.samples for t in times]
        self.unsized = None in samples
        self.samples = np.array([0 if s is None else s for s in samples]
                                if self.unsized else samples, np.int64)
        self.odd = [i for i, t in enumerate(times) if t.kind is not None
                    or t.opens or t.epoch_start_ms]
        self.values = [t.values for t in times]
        self.runs = self.calls = self._measured = None

    @classmethod
    def timed(cls, first, last, begins, ends, prevs, anchored, kinds,
              samples, runs, calls, values):
        """The block of drained steps from their hook times, each row's
        figures as `StepTime` defines them: timed from the later of its
        begin and `prevs` (the previous end, or its anchor) to its end;
        the gap before is input wait, or its pass's start where
        `anchored`. Lists in, one per step; `samples` may hold functions
        of a row's step count, `values` measured figures over its steps.
        Its `StepTime`s are made only where asked for (`times`).

        >>> b = StepBlock.timed([1], [2], [1.0], [1.5], [0.5], [False],
        ...                     [None], [32], ["train"], [1], [None])
        >>> (t,) = b.times
        >>> t.batch_ms, t.input_wait_ms, t.samples, t.opens
        (250.0, 250.0, 32, False)
        """
        self = cls.__new__(cls)
        self.first = np.array(first, np.int64)
        self.last = np.array(last, np.int64)
        self.steps = steps = self.last - self.first + 1
        begin, end, prev = (np.array(v, np.float64)
                            for v in (begins, ends, prevs))
        start = np.where(begin > prev, begin, prev)
        with np.errstate(over="ignore", invalid="ignore"):
            gap = (start - prev) * 1e3 / steps
            self.batch = np.where(end > start,
                                  (end - start) * 1e3 / steps, 0.0)
        opens = np.array(anchored, bool)
        self.wait = np.where(opens, 0.0, gap)
        epoch = np.where(opens, gap, 0.0)
        n = len(first)
        for i in [] if set(map(type, samples)) <= _SIZES else range(n):
            if samples[i] is not None and not isinstance(samples[i], int):
                # A call spanning several steps: its count from its length.
                samples[i] = samples[i](int(steps[i]))
        for i in [] if values.count(None) == n else range(n):
            if values[i] and steps[i] != 1:
                values[i] = {k: v / int(steps[i])
                             for k, v in values[i].items()}
        self.unsized = None in samples
        self.samples = np.array([0 if s is None else s for s in samples]
                                if self.unsized else samples, np.int64)
        odd = set(np.flatnonzero(opens).tolist())
        if kinds.count(None) != n:
            odd.update(i for i, k in enumerate(kinds) if k is not None)
        self.odd = sorted(odd)
        self.runs, self.calls, self.values = runs, calls, values
        self._measured = None
        self.times = _Rows(self, end, epoch, kinds, samples, anchored,
                           values)
        return self

    def __len__(self):
        return len(self.times)

    def __iter__(self):
        return iter(self.times)

    def __getitem__(self, i):
        return self.times[i]

    def __eq__(self, other):
        # A sequence of StepTimes: equal to one with the same steps.
        return isinstance(other, (list, tuple, StepBlock)) and (
            list(self) == list(other))

    __hash__ = None

    def by_run(self):
        """{run: its rows, a `StepBlock`}, in order of first appearance."""
        runs = self.runs if self.runs is not None else [
            t.run for t in self.times]
        if not runs or runs.count(runs[0]) == len(runs):
            return {runs[0]: self} if runs else {}
        rows = {}
        for i, run in enumerate(runs):
            rows.setdefault(run, []).append(i)
        return {run: self._pick(pick) for run, pick in rows.items()}

    def measured(self, rows):
        """{name: float64 array of its ms per step, NaN where a step has
        none} of the measured figures of `rows` (a range or indices)."""
        if self.values.count(None) == len(self.values):
            return {}
        if self._measured is None:
            # Made once a block: the statistics, the decimator and the
            # points each read their rows.
            values, nan = self.values, float("nan")
            names = dict.fromkeys(k for v in values if v for k in v)
            self._measured = {k: np.array([v.get(k, nan) if v else nan
                                           for v in values]) for k in names}
        at = slice(rows.start, rows.stop) if isinstance(rows, range) else (
            np.asarray(rows, np.int64))
        return {k: ms[at] for k, ms in self._measured.items()}

    def call_numbers(self):
        """Each row's call number, a list."""
        if self.calls is not None:
            return self.calls
        return [t.call for t in self.times]

    def _pick(self, pick):
        rows = self.times
        if not isinstance(rows, _Rows):
            return StepBlock([rows[i] for i in pick])
        at = np.array(pick)
        out = StepBlock.__new__(StepBlock)
        for name in ("first", "last", "steps", "batch", "wait", "samples"):
            setattr(out, name, getattr(self, name)[at])
        where = {i: k for k, i in enumerate(pick)}
        out.odd = [where[i] for i in self.odd if i in where]
        out.runs, out.calls, out.values = (
            [column[i] for i in pick]
            for column in (self.runs, self.calls, self.values))
        out._measured = None
        out.times = rows.pick(out, at, pick)
        out.unsized = None in out.times.samples
        return out


class _Rows:
    """A `StepBlock.timed` block's `StepTime`s, each made when read: the
    writer reads only its odd steps one by one."""

    __slots__ = ("columns", "end", "epoch", "kinds", "samples", "anchored",
                 "values")

    def __init__(self, block, end, epoch, kinds, samples, anchored, values):
        # The block's columns, not the block: no reference cycle.
        self.columns = (block.first, block.last, block.batch, block.wait,
                        block.runs, block.calls)
        self.end, self.epoch, self.kinds = end, epoch, kinds
        self.samples, self.anchored, self.values = samples, anchored, values

    def pick(self, block, at, pick):
        return _Rows(block, self.end[at], self.epoch[at],
                     *([column[i] for i in pick] for column in (
                         self.kinds, self.samples, self.anchored,
                         self.values)))

    def __len__(self):
        return len(self.kinds)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        first, last, batch, wait, runs, calls = self.columns
        return StepTime(int(first[i]), int(last[i]), float(batch[i]),
                        float(wait[i]), float(self.end[i]), self.kinds[i],
                        self.samples[i], float(self.epoch[i]), runs[i],
                        calls[i], self.anchored[i], self.values[i])

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def fold_counted(times, sketch, totals, sample, band, pick=None):
    """Folds one pass's counted steps, in order.

    The same sums as `Totals.add` and `Sketch.add` step by step, up to the
    order of the float additions.

    Args:
        times: A `StepBlock` or a list of counted steps (kind None) of one
            pass, in step order.
        sketch: The run's `Sketch` of `batch_ms`.
        totals: The pass's `passes.Totals`.
        sample: The pass's `ratio.Reservoir`.
        band: The rolling band of ms per sample (a bounded deque).
        pick: Where `times` is a `StepBlock`: the indices (an int array, in
            order) of its steps to fold; all by default.

    >>> from collections import deque
    >>> from keras_timing.analysis.passes import Totals
    >>> from keras_timing.analysis.ratio import Reservoir
    >>> from keras_timing.analysis.sketch import Sketch
    >>> tot, band = Totals(), deque(maxlen=50)
    >>> fold_counted([StepTime(1, 1, 2.0, 0.5, 0.0, samples=32),
    ...               StepTime(2, 3, 1.0, 0.0, 0.0, samples=64)],
    ...              Sketch(), tot, Reservoir(), band)
    >>> tot.steps, tot.batch_ms, tot.samples, tot.sampled_ms, list(band)
    (3, 4.0, 96, 4.5, [0.078125, 0.03125])
    """
    block = times if isinstance(times, StepBlock) else StepBlock(times)
    if pick is None:
        pick = np.arange(len(block))
    if not len(pick):
        return
    n, batch = block.steps[pick], block.batch[pick]
    wait, samples = block.wait[pick], block.samples[pick]
    interval = (batch + wait) * n      # StepTime.interval_ms
    sketch.add_many(batch, n)
    totals.steps += int(n.sum())
    totals.batch_ms += float(batch @ n)
    totals.wait_ms += float(wait @ n)
    for k, ms in block.measured(pick).items():
        # Added in step order, as one step at a time would.
        ok = ~np.isnan(ms)
        totals.measured[k] = sum((ms[ok] * n[ok]).tolist(),
                                 totals.measured.get(k, 0.0))
    known = samples > 0
    if known.any():
        totals.samples += int(samples[known].sum())
        totals.sampled_ms += float(interval[known].sum())
        last = band.maxlen or len(pick)
        # Only the last `maxlen` stay in the rolling band.
        band.extend((interval[known][-last:]
                     / samples[known][-last:]).tolist())
    sample.add_many(interval, samples, n)
