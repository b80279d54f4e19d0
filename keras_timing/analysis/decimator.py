"""Long runs: points merged in blocks once a run has many steps."""

from operator import mul

import numpy as np

from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepTime


class Decimator:
    """Passes points through for `full_steps` steps, then merges blocks.

    Each merged point covers `block_steps` steps (fewer for the last one of
    a call): its `batch_ms` and `input_wait_ms` are the block's means per
    step (so are the measured step figures') and its step count is exact,
    so sums over points stay exact. A
    first step, a recompile and an epoch's or a call's first step keep
    points of their own.

    A block is kept as running sums (added in step order, as `sum` over
    its steps adds them), so the writer adds thousands of steps to blocks
    without a Python object a step (`push_plain`).

    Args:
        full_steps: Steps written one point each before decimation starts.
        block_steps: Steps per point after that.

    >>> d = Decimator(full_steps=1, block_steps=2)
    >>> [len(d.push(StepTime(i, i, 1.0, 0.0, 0.0))) for i in (1, 2, 3)]
    [1, 0, 1]
    >>> p = d.push(StepTime(4, 4, 1.0, 0.0, 0.0, opens=True))
    >>> [(t.first_step, t.last_step) for t in p]
    [(4, 4)]
    """

    def __init__(self, full_steps, block_steps):
        self.full_steps = full_steps
        self.block_steps = block_steps
        self.seen = 0
        self._start()

    def _start(self):
        self._rows = 0          # steps (points) in the block
        self._head = None       # its first StepTime (a block of one)
        self._steps = 0
        self._batch = self._wait = 0.0
        self._samples = 0
        self._sized = True      # every point's size known and positive
        self._unsized = False   # a point's size None (not just unknown)
        self._values = {}
        self._last = None       # (last_step, end_time) of its last point

    def push(self, t):
        """Returns the points to write now (zero, one or two)."""
        self.seen += t.steps
        own_point = t.kind or t.opens or t.epoch_start_ms
        if own_point or self.seen <= self.full_steps:
            return self.flush() + [t] if self._rows else [t]
        n = t.steps
        if not self._rows:
            self._head = t
        self._rows += 1
        self._steps += n
        self._batch += t.batch_ms * n
        self._wait += t.input_wait_ms * n
        self._size([t.samples])
        for k, v in (t.values or {}).items():
            self._values[k] = self._values.get(k, 0.0) + v * n
        self._last = t.last_step, t.end_time
        if self._steps >= self.block_steps:
            return self.flush()
        return []

    def _size(self, samples):
        if self._sized and all(n and n > 0 for n in samples):
            self._samples += sum(samples)
        else:
            self._sized = False
        self._unsized = self._unsized or None in samples

    def push_plain(self, block, a, b):
        """`push` of the plain steps `a..b-1` of a `StepBlock` (no kind, no
        pass opened, no epoch start), in bulk. Returns
        the points to write in order: `range`s of the block's rows that
        pass through, and merged `StepTime`s."""
        if a >= b:
            return []
        steps = block.steps[a:b]
        ends = np.cumsum(steps)
        # Points pass through while the run's steps stay within full_steps.
        k = a + int(np.searchsorted(ends, self.full_steps - self.seen,
                                    "right"))
        out = [range(a, k)] if k > a else []
        at, done = k, int(ends[k - a - 1]) if k > a else 0
        self.seen += int(ends[-1])
        while at < b:
            # The point that fills the block: its steps reach block_steps.
            stop = a + int(np.searchsorted(
                ends, done + self.block_steps - self._steps, "left"))
            stop = min(stop, b - 1) + 1
            self._add_rows(block, at, stop)
            done = int(ends[stop - a - 1])
            if self._steps >= self.block_steps:
                out += self.flush()
            at = stop
        return out

    def _add_rows(self, block, a, b):
        times = block.times
        if not self._rows:
            self._head = times[a]
        n = block.steps[a:b].tolist()
        batch, wait = block.batch[a:b].tolist(), block.wait[a:b].tolist()
        self._rows += b - a
        self._steps += sum(n)
        if block.steps[a:b].max() == 1:
            self._batch = sum(batch, self._batch)
            self._wait = sum(wait, self._wait)
        else:
            self._batch = sum(map(mul, batch, n), self._batch)
            self._wait = sum(map(mul, wait, n), self._wait)
        self._size([times[i].samples for i in range(a, b)]
                   if block.unsized else block.samples[a:b].tolist())
        for k, ms in block.measured(range(a, b)).items():
            # Added in step order, as `push` adds them.
            ok = ~np.isnan(ms)
            self._values[k] = sum((ms[ok] * block.steps[a:b][ok]).tolist(),
                                  self._values.get(k, 0.0))
        last = times[b - 1]
        self._last = last.last_step, last.end_time

    def flush(self):
        if not self._rows:
            return []
        if self._rows == 1:
            out = [self._head]
        else:
            steps = self._steps
            out = [StepTime(
                values={k: v / steps for k, v in self._values.items()}
                or None,
                first_step=self._head.first_step,
                last_step=self._last[0],
                batch_ms=self._batch / steps,
                input_wait_ms=self._wait / steps,
                end_time=self._last[1],
                samples=(self._samples if self._sized else None
                         if self._unsized else UNKNOWN_SAMPLES),
            )]
        self._start()
        return out
