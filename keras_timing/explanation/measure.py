"""Timing the stage programs, and turning program times into stage costs.

Example:

>>> import numpy as np
>>> names = ["dispatch", "forward", "loss"]
>>> timed = {"dispatch": np.array([1.0]), "forward": np.array([3.0]),
...          "loss": np.array([2.5])}
>>> spans, merged = split(names, timed, {})
>>> spans
{'dispatch': (None, 'dispatch'), 'forward+loss': ('dispatch', 'loss')}
>>> figures("dispatch", "loss", timed)[0]
1.5
"""

import gc
import time

import numpy as np

# Resamples of the rounds for the interval of a median.
BOOTSTRAP = 1000


def measure(programs, batches, steps, warmup, seed, extra=None,
            predict=True):
    """`{program: array of ms per round}`, rounds in shuffled order.

    Args:
        programs: A `StagePrograms`; its stages, `train_step` (timed as
            `train_function`) and `predict_step` (`predict_function`) run.
        batches: Batches already on the device; round r uses r mod len.
        steps: Timed rounds; each runs every program once.
        warmup: Untimed calls of each program first (compilation).
        seed: Seed of the per-round order.
        extra: `{name: callable}` also timed in every round (shuffled in
            with the programs): each call takes no argument, runs one call
            of its own program and returns when the device has finished.
        predict: Whether `predict_step` runs (False: a model whose
            predict cannot run; `predict_function` is then left out).
    """
    def run(fn):
        return lambda batch: programs.sync(fn(batch))

    calls = {name: run(fn) for name, fn in programs.stages}
    calls["train_function"] = run(programs.train_step)
    if predict:
        calls["predict_function"] = run(programs.predict_step)
    for name, fn in (extra or {}).items():
        calls[name] = lambda batch, fn=fn: fn()
    for fn in calls.values():
        for i in range(warmup):
            fn(batches[i % len(batches)])
    times = {name: [] for name in calls}
    order = list(calls)
    rng = np.random.default_rng(seed)
    # A garbage collection inside one timed call would be charged to
    # whichever program it hit; as `timeit` does, collect before, not during.
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(steps):
            batch = batches[r % len(batches)]
            rng.shuffle(order)
            for name in order:
                fn = calls[name]
                start = time.perf_counter()
                fn(batch)
                times[name].append((time.perf_counter() - start) * 1e3)
    finally:
        if was_enabled:
            gc.enable()
    return {name: np.array(t) for name, t in times.items()}


def split(names, timed, merged):
    """Stages from the cumulative programs, merging what is negative.

    A program measured faster than its prefix (noise, or a compiler that
    fused the two) gives no number for its stage alone: the stage is joined
    to the one before it, whose program it extends, so the sum is kept.

    Args:
        names: The programs' names, in cumulative order.
        timed: `{name: ms per round}` as `measure` returns.
        merged: `{name: reason}` already merged by the backend.

    Returns:
        `(spans, merged)`: `spans` maps each (possibly merged) stage name to
        `(previous program or None, its last program)`: the stage costs the
        second's time minus the first's.
    """
    median = {n: float(np.median(timed[n])) for n in names}
    spans = [[name, prev, name]
             for prev, name in zip([None] + list(names[:-1]), names)]
    merged = dict(merged)
    i = 1
    while i < len(spans):
        name, prev, end = spans[i]
        cost = median[end] - median[prev]
        if cost >= 0:
            i += 1
            continue
        before = spans[i - 1]
        joined = before[0] + "+" + name
        merged[joined] = (
            "the program with %s measured %.3f ms faster than the one "
            "without it, so %s alone is below what these timings resolve "
            "(or the compiler fused it into %s); it is reported together "
            "with %s" % (name, -cost, name, before[0], before[0]))
        for key in (before[0], name):
            merged.pop(key, None)
        spans[i - 1] = [joined, before[1], end]
        del spans[i]
        i = max(i - 1, 1)
    return {name: (prev, end) for name, prev, end in spans}, merged


def figures(start, end, timed, seed=0):
    """`(median, p10, p90, (low, high))` in ms of program `end` minus
    program `start` (None: nothing), over the timed rounds.

    The median difference is of the two medians; p10/p90 are percentiles of
    the per-round differences; `(low, high)` is a 95% bootstrap interval of
    the median difference, rounds resampled together so that a round's
    drift hits both programs alike.
    """
    after = timed[end]
    before = timed[start] if start is not None else np.zeros_like(after)
    medians_after, medians_before = _resampled_medians(after, before, seed)
    low, high = np.percentile(medians_after - medians_before, [2.5, 97.5])
    per_round = after - before
    return (float(np.median(after) - np.median(before)),
            float(np.percentile(per_round, 10)),
            float(np.percentile(per_round, 90)), (float(low), float(high)))


def speedup(before, after, seed=0):
    """`(ratio, low, high)`: median of `before` over median of `after`
    (per-round times of two programs), with a 95% bootstrap interval.

    Rounds are resampled together, as in `figures`. With few rounds the
    percentiles can miss the point estimate; the interval is then widened
    to hold it, so that `low <= ratio <= high` always.

    >>> import numpy as np
    >>> r, low, high = speedup(np.array([4.0, 4.2, 3.9]),
    ...                        np.array([2.0, 2.1, 1.9]))
    >>> r, low <= r <= high
    (2.0, True)
    """
    medians_before, medians_after = _resampled_medians(before, after, seed)
    ratio = float(np.median(before) / np.median(after))
    low, high = np.percentile(medians_before / medians_after, [2.5, 97.5])
    return ratio, float(min(low, ratio)), float(max(high, ratio))


def _resampled_medians(a, b, seed):
    """Medians of `a` and of `b` over `BOOTSTRAP` resamplings of the
    rounds, the same rounds drawn for both."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(BOOTSTRAP, len(a)))
    return np.median(a[picks], axis=1), np.median(b[picks], axis=1)
