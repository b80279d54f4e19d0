"""Timing the stage programs, and turning program times into stage costs.

Example:

>>> import numpy as np
>>> names = ["dispatch", "forward", "loss"]
>>> timed = {"dispatch": np.array([1.0]), "forward": np.array([3.0]),
...          "loss": np.array([2.5])}
>>> costs, low, high, merged = split(names, timed, {})
>>> costs
{'dispatch': 1.0, 'forward+loss': 1.5}
"""

import gc
import time

import numpy as np


def measure(programs, batches, steps, warmup, seed):
    """`{program: array of ms per round}`, rounds in shuffled order.

    Args:
        programs: A `StagePrograms`; its stages, `train_step` (timed as
            `train_function`) and `predict_step` (`predict_function`) run.
        batches: Batches already on the device; round r uses r mod len.
        steps: Timed rounds; each runs every program once.
        warmup: Untimed calls of each program first (compilation).
        seed: Seed of the per-round order.
    """
    calls = dict(programs.stages)
    calls["train_function"] = programs.train_step
    calls["predict_function"] = programs.predict_step
    for fn in calls.values():
        for i in range(warmup):
            programs.sync(fn(batches[i % len(batches)]))
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
                programs.sync(fn(batch))
                times[name].append((time.perf_counter() - start) * 1e3)
    finally:
        if was_enabled:
            gc.enable()
    return {name: np.array(t) for name, t in times.items()}


def split(names, timed, merged):
    """Stage costs from the cumulative programs, merging what is negative.

    A program measured faster than its prefix (noise, or a compiler that
    fused the two) gives no number for its stage alone: the stage is joined
    to the one before it, whose program it extends, so the sum is kept.

    Args:
        names: The programs' names, in cumulative order.
        timed: `{name: ms per round}` as `measure` returns.
        merged: `{name: reason}` already merged by the backend.

    Returns:
        `(costs, p10, p90, merged)`: dicts by (possibly merged) stage name.
    """
    # Each entry: [name, median cost, per-round costs]
    parts = []
    prev_median, prev_rounds = 0.0, 0.0
    for name in names:
        median = float(np.median(timed[name]))
        parts.append([name, median - prev_median, timed[name] - prev_rounds])
        prev_median, prev_rounds = median, timed[name]
    merged = dict(merged)
    i = 1
    while i < len(parts):
        name, cost, per_round = parts[i]
        if cost >= 0:
            i += 1
            continue
        before = parts[i - 1]
        joined = before[0] + "+" + name
        merged[joined] = (
            "the program with %s measured %.3f ms faster than the one "
            "without it, so %s alone is below what these timings resolve "
            "(or the compiler fused it into %s); it is reported together "
            "with %s" % (name, -cost, name, before[0], before[0]))
        for key in (before[0], name):
            merged.pop(key, None)
        parts[i - 1] = [joined, before[1] + cost, before[2] + per_round]
        del parts[i]
        i = max(i - 1, 1)
    costs = {p[0]: p[1] for p in parts}
    p10 = {p[0]: float(np.percentile(p[2], 10)) for p in parts}
    p90 = {p[0]: float(np.percentile(p[2], 90)) for p in parts}
    return costs, p10, p90, merged
