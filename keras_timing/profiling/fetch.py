"""The fetch clock: how long a step waits for its batch inside the step.

On JAX, Keras's `iterator_step` calls `next(iterator)` inside the train
function, after the step's begin hook; on TensorFlow, a `PyDataset` or a
generator is read by a Python producer (`tf.data.Dataset.from_generator`)
that the step's `GetNext` waits on. Neither shows as input wait. The clock
wraps the Python iterator the step (or the producer) calls and adds up the
time each `next()` takes: a `perf_counter` pair and one float add per
batch. Only the thread that calls `next()` writes; the meter, on the
training thread, only reads (a running total, never reset), so no update
is lost without a lock.

The first `next()` of each iterator (the epoch's first batch: a shuffle
buffer filling, workers starting) is also summed apart, in `first_ms`.

Example:

>>> clock = FetchClock()
>>> first = clock.first_meter()
>>> batches = clock.timed(lambda: iter([1, 2, 3]))
>>> list(batches()), clock.fetches, clock.iterators
([1, 2, 3], 3, 1)
>>> ms = clock.meter()
>>> ms() >= 0.0, ms() == 0.0
(True, True)
>>> first() > 0.0, first()
(True, None)
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

# The attribute a wrapped data adapter carries: wrapped once, whatever the
# number of calls (fit reuses its validation adapter at every epoch).
MARK = "_keras_timing_fetch_clock"


class FetchClock:
    """Running totals of the time spent in `next()` of wrapped iterators.

    Attributes:
        total_ms: All fetches, in ms, since the clock was made.
        first_ms: The first fetch of each iterator, in ms (inside total).
        fetches: How many batches were fetched (the end of the data is
            timed, not counted).
        iterators: How many iterators were made (one per epoch).
    """

    def __init__(self):
        self.total_ms = 0.0
        self.first_ms = 0.0
        self.fetches = 0
        self.iterators = 0

    def timed(self, make: Callable[..., Iterator]) -> Callable[..., Iterator]:
        """`make` (a function returning an iterator), returning one whose
        `next()` is timed into this clock."""
        clock = self

        def made(*args, **kwargs):
            clock.iterators += 1
            return _Timed(iter(make(*args, **kwargs)), clock)

        return made

    def meter(self) -> Callable[[], float]:
        """A meter for `Profiler.step_meters`: each call returns the ms
        fetched since the previous call (the first: since now)."""
        last = [self.total_ms]

        def read():
            total = self.total_ms
            ms, last[0] = total - last[0], total
            return ms

        return read

    def first_meter(self) -> Callable[[], float | None]:
        """As `meter`, for `first_ms`: each iterator's first fetch; None
        where none came since the previous call (most steps: it is written
        on an epoch's first step only, `figures.EPOCH_FETCH`)."""
        last = [self.first_ms]

        def read():
            total = self.first_ms
            if total == last[0]:
                return None
            ms, last[0] = total - last[0], total
            return ms

        return read


class _Timed:
    """An iterator whose every `next()` is added to a `FetchClock`."""

    __slots__ = ("_it", "_clock", "_first")

    def __init__(self, it, clock):
        self._it, self._clock, self._first = it, clock, True

    def __iter__(self):
        return self

    def __next__(self):
        start, got = time.perf_counter(), False
        try:
            item, got = next(self._it), True
            return item
        finally:
            # The wait for the end of the data is a wait too; not a batch.
            ms = (time.perf_counter() - start) * 1e3
            clock = self._clock
            clock.total_ms += ms
            clock.fetches += got
            if self._first:
                self._first = False
                clock.first_ms += ms


def clock_of(adapter, methods: tuple[str, ...]) -> FetchClock | None:
    """The `FetchClock` of a Keras data adapter, wrapping each of `methods`
    it has (each returns an iterator) the first time it is asked; None if
    it has none of them (nothing to time in Python).

    Args:
        adapter: A Keras `DataAdapter` (e.g. `LoopInfo.adapter`), or None.
        methods: Names of the adapter's methods that return the iterator
            the step reads (looked up on the instance at each epoch).
    """
    if adapter is None:
        return None
    clock = getattr(adapter, MARK, None)
    if clock is not None:
        return clock
    clock = FetchClock()
    wrapped = False
    for name in methods:
        method = getattr(adapter, name, None)
        if callable(method):
            setattr(adapter, name, clock.timed(method))
            wrapped = True
    if not wrapped:
        return None
    setattr(adapter, MARK, clock)
    return clock
