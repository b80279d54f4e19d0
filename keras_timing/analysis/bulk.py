"""The writer's bulk work: numpy over a block of drained steps.

A drain hands the statistics thousands of steps at once; folding them one
by one in Python cost more than the hooks that recorded them. `StepBlock`
reads a block's columns once; the statistics, the decimator and the points
work on the columns, and only the few steps that are not plain counted
steps (a pass's first, a compile, a profiled step) one by one.
"""

import numpy as np


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
            a pass's first (`opens`), an epoch start or measured figures.

    >>> from keras_timing.analysis.steps import StepTime
    >>> b = StepBlock([StepTime(1, 2, 3.0, 1.0, 0.0, samples=4),
    ...                StepTime(3, 3, 2.0, 0.0, 0.0, "first", None)])
    >>> b.steps.tolist(), b.samples.tolist(), b.unsized, b.odd
    ([2, 1], [4, 0], True, [1])
    """

    __slots__ = ("times", "first", "last", "steps", "batch", "wait",
                 "samples", "unsized", "odd")

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
                    or t.opens or t.epoch_start_ms or t.values]

    def __len__(self):
        return len(self.times)


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
    >>> from keras_timing.analysis.steps import StepTime
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
    odd = np.intersect1d(block.odd, pick) if block.odd else ()
    for i in odd:
        t = block.times[i]
        if t.values:
            steps = t.last_step - t.first_step + 1
            for k, v in t.values.items():
                totals.measured[k] = totals.measured.get(k, 0.0) + v * steps
    known = samples > 0
    if known.any():
        totals.samples += int(samples[known].sum())
        totals.sampled_ms += float(interval[known].sum())
        last = band.maxlen or len(pick)
        # Only the last `maxlen` stay in the rolling band.
        band.extend((interval[known][-last:]
                     / samples[known][-last:]).tolist())
    sample.add_many(interval, samples, n)
