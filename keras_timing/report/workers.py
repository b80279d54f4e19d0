"""The workers of one run compared step by step: who the others waited for."""

import math

from keras_timing import schema


def _quantile(values, q):
    if not values:
        return math.nan
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def worker_spread(times_by_worker):
    """Per-step comparison of the workers of one run.

    Steps that every worker has (first batches left out) are compared. In
    synchronous data parallel training the workers meet in an all-reduce
    every step: the others wait for the straggler inside their step, so the
    straggler has the shortest `batch_ms` and the longest `input_wait_ms`
    (its host was late to begin the step). The spread, max minus min
    `batch_ms` across workers at a step, is that wait: what the straggler
    cost the step.

    Args:
        times_by_worker: `{"worker_0": [StepTime], "worker_1": ...}`.

    >>> from keras_timing.analysis.steps import StepTime
    >>> a = [StepTime(1, 1, 5.0, 0.1, 0.0, False, 32)]
    >>> b = [StepTime(1, 1, 2.0, 3.0, 0.0, False, 32)]
    >>> s = worker_spread({"worker_0": a, "worker_1": b})
    >>> s["max_spread_ms"], s["straggler"]
    (3.0, {'worker_0': 0, 'worker_1': 1})
    """
    per_step = {}
    for worker, times in times_by_worker.items():
        for t in times:
            if not t.is_first:
                per_step.setdefault(t.last_step, {})[worker] = t
    n = len(times_by_worker)
    steps = sorted(s for s, seen in per_step.items() if len(seen) == n)
    ordered = sorted(times_by_worker,
                     key=lambda w: int(w[len(schema.WORKER_PREFIX):]))
    straggler = dict.fromkeys(ordered, 0)
    spreads = []
    for step in steps:
        seen = per_step[step]
        batch = [seen[w].batch_ms for w in ordered]
        spreads.append(max(batch) - min(batch))
        straggler[max(ordered, key=lambda w: seen[w].input_wait_ms)] += 1
    return {
        "workers": n,
        "steps_compared": len(steps),
        "p50_spread_ms": _quantile(spreads, 0.5),
        "p90_spread_ms": _quantile(spreads, 0.9),
        "max_spread_ms": max(spreads) if spreads else math.nan,
        "straggler": straggler,
        "per_worker": {w: {
            "p50_batch_ms": _quantile(
                [per_step[s][w].batch_ms for s in steps], 0.5),
            "p50_input_wait_ms": _quantile(
                [per_step[s][w].input_wait_ms for s in steps], 0.5),
        } for w in ordered},
    }
