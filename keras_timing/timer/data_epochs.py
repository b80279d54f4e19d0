"""The data adapter's epoch ends: the time Keras's data adapter takes in its
`on_epoch_end`, which the trainer's epoch iterator calls after each epoch's
last step (and at the end of an evaluate or predict), outside every step.

Why it is timed: for a `PyDataset` with workers (`workers > 1`, or
`use_multiprocessing=True`) Keras reads through an enqueuer, and its
`on_epoch_end` stops it. The stop drains the workers' queue with
`get(timeout=0.1)` and returns only after a `get` found it empty, so every
epoch end waits at least 0.1 s: Keras's own timeout, a fixed wait, not a
speed. A dataset's own `on_epoch_end` (a reshuffle) is timed with it.
Arrays, `tf.data` and generators do nothing there, so an ordinary epoch end
(Keras building the next epoch's iterator, reading its metrics) is not in
this clock: it is in `outside_steps_ms` alone.

The clock wraps the adapter's `on_epoch_end` on the instance, once, however
many calls use the adapter (fit reuses its validation adapter at every
epoch): a `perf_counter` pair per epoch end, on the thread Keras calls it
on, the training thread.

Example:

>>> class Adapter:
...     def on_epoch_end(self):
...         pass
>>> adapter = Adapter()
>>> clock = clock_of(adapter)
>>> adapter.on_epoch_end(); adapter.on_epoch_end()
>>> clock.ends, clock_of(adapter) is clock, clock.total_ms >= 0.0
(2, True, True)
>>> workers(adapter), clock_of(None)
(0, None)
"""

from __future__ import annotations

import time

# The attribute a wrapped adapter carries: it is wrapped once.
MARK = "_keras_timing_epoch_end_clock"


class EpochEndClock:
    """Running totals of a data adapter's `on_epoch_end` calls.

    Attributes:
        total_ms: Their time, in ms, since the clock was made.
        ends: How many there were.
    """

    def __init__(self):
        self.total_ms = 0.0
        self.ends = 0


def clock_of(adapter) -> EpochEndClock | None:
    """The `EpochEndClock` of a Keras data adapter (`LoopInfo.adapter`),
    wrapping its `on_epoch_end` the first time it is asked; None where
    there is no adapter or it cannot be wrapped (it is then not timed).

    Args:
        adapter: A Keras `DataAdapter`, or None.
    """
    if adapter is None:
        return None
    clock = getattr(adapter, MARK, None)
    if clock is not None:
        return clock
    method = getattr(adapter, "on_epoch_end", None)
    if not callable(method):
        return None
    clock = EpochEndClock()

    def on_epoch_end(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            clock.total_ms += (time.perf_counter() - start) * 1e3
            clock.ends += 1

    try:
        setattr(adapter, "on_epoch_end", on_epoch_end)
        setattr(adapter, MARK, clock)
    except (AttributeError, TypeError):  # slots, or a frozen object
        return None
    return clock


def workers(adapter) -> int:
    """The workers of a `PyDataset` that Keras reads through its enqueuer
    (stopped at each epoch end); 0 for any other data.

    Args:
        adapter: A Keras `DataAdapter`, or None.
    """
    if getattr(adapter, "enqueuer", None) is None:
        return 0
    workers = getattr(getattr(adapter, "py_dataset", None), "workers", 1)
    return workers if isinstance(workers, int) and workers > 0 else 1
