"""The writer's bulk work: numpy over a block of counted steps.

A drain hands the statistics thousands of steps at once; folding them one
by one in Python cost more than the hooks that recorded them. Here a block
of one pass's counted steps goes into the quantile sketch, the pass's
totals, its sample and the rolling band with a few numpy operations.
"""

import numpy as np


def fold_counted(times, sketch, totals, sample, band):
    """Folds one pass's counted `StepTime`s, in order.

    The same sums as `Totals.add` and `Sketch.add` step by step, up to the
    order of the float additions.

    Args:
        times: Counted steps (kind None) of one pass, in step order.
        sketch: The run's `Sketch` of `batch_ms`.
        totals: The pass's `passes.Totals`.
        sample: The pass's `ratio.Reservoir`.
        band: The rolling band of ms per sample (a bounded deque).

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
    if not times:
        return
    n = np.array([t.last_step - t.first_step + 1 for t in times])
    batch = np.array([t.batch_ms for t in times], dtype=np.float64)
    wait = np.array([t.input_wait_ms for t in times], dtype=np.float64)
    samples = np.array([t.samples or 0 for t in times])
    interval = (batch + wait) * n      # StepTime.interval_ms
    sketch.add_many(batch, n)
    totals.steps += int(n.sum())
    totals.batch_ms += float(batch @ n)
    totals.wait_ms += float(wait @ n)
    for t in times:
        if t.values:
            steps = t.last_step - t.first_step + 1
            for k, v in t.values.items():
                totals.measured[k] = totals.measured.get(k, 0.0) + v * steps
    known = samples > 0
    if known.any():
        totals.samples += int(samples[known].sum())
        totals.sampled_ms += float(interval[known].sum())
        last = band.maxlen or len(times)
        # Only the last `maxlen` stay in the rolling band.
        band.extend((interval[known][-last:]
                     / samples[known][-last:]).tolist())
    add = sample.add
    for ms, k, steps in zip(interval.tolist(), samples.tolist(), n.tolist()):
        add(ms, k, steps)
