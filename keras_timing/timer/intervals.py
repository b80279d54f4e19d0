"""Where each step's interval starts and ends: pure functions on hook times.

`bound_ends` tightens each step's end from what later steps say; `spread`
divides a clump of late end hooks among its steps. Both take the drained
steps' hook times in begin order, as lists. `bound_and_spread` does both
over a drained block, in numpy where the block is plain.
"""

import sys

import numpy as np

from keras_timing.analysis.steps import StepKind

OVERLAP = StepKind.OVERLAP


def bound_ends(begins, ends, kinds, compiled, released=None):
    """Each step's end, bounded by later evidence; a new list.

    Steps end on the device in order, whatever order their end hooks ran
    in: a later end bounds an earlier one. A step's hook is its end while
    a later step compiles (`compiled[i]`, seen by the compile counter): the
    device runs the queued steps meanwhile and their hooks come as each
    finishes (measured on JAX, benchmarks/README.md "Compiles and
    overlap"), so a compile, or a first step that compiled nothing, takes
    nothing from them. Only a step whose end nothing bounds but the hook of
    a step that compiled, or of one after it, may have ended during that
    compile: its end is hidden. Its kind becomes "overlap" in `kinds`, its
    end the compiling step's begin, and it is left out of the figures like
    the compile itself.

    The hooks cannot run while a compile holds the host (Python's lock:
    JAX's tracing and lowering, until the backend compile lets go at
    `released[i]`, where known). The first hooks to come after such a step
    began and before its release (or a switch interval after it: a held
    thread's hand-off) may have waited for the lock since it began (on
    JAX a 0.2 ms predict step's hook came 8 ms late, during the partial
    batch's tracing): those within a switch interval of the first are
    left out as overlap, keeping their hook as their end so that the next
    step is timed from it. Hooks after them came as the host let them in
    (queued steps finishing during a long compile) and are their ends.

    >>> bound_ends([0.0, 1.0, 2.0], [5.0, 3.0, 4.0], [None] * 3, [False] * 3)
    [3.0, 3.0, 4.0]
    >>> kinds = [None, None, "first"]
    >>> bound_ends([0.0, 1.0, 2.0], [2.9, 2.95, 4.0], kinds,
    ...            [False, False, True]), kinds
    ([2.9, 2.95, 4.0], [None, None, 'first'])
    >>> bound_ends([0.0, 1.0, 2.0], [4.5, 4.2, 4.0], kinds,
    ...            [False, False, True]), kinds
    ([2.0, 2.0, 4.0], ['overlap', 'overlap', 'first'])
    >>> kinds = [None, None, "recompile"]
    >>> bound_ends([0.0, 1.0, 2.0], [1.5, 2.5, 4.0], kinds,
    ...            [False, False, True], [None, None, 2.9]), kinds
    ([1.5, 2.5, 4.0], [None, 'overlap', 'recompile'])
    """
    inf = float("inf")
    out = list(ends)
    # `low`: the earliest bounded end of a later step; `free`: the
    # earliest hook of a later step before the next compiling one; `cap`:
    # the earliest begin of a later compiling step.
    low = free = cap = inf
    holds = []  # (begin, until): later compiles' first held hooks
    handoff = sys.getswitchinterval()
    for i in range(len(out) - 1, -1, -1):
        own = ends[i] if ends[i] <= free else (
            free if free > begins[i] else begins[i])
        if own <= low:
            out[i] = own
            if kinds[i] is None and any(b < own <= h for b, h in holds):
                kinds[i] = OVERLAP
        else:
            if kinds[i] is None:
                kinds[i] = OVERLAP
            bound = low if low < cap else cap
            out[i] = bound if bound > begins[i] else begins[i]
        low = out[i]
        if ends[i] < free:
            free = ends[i]
        if compiled[i]:
            free = inf
            if begins[i] < cap:
                cap = begins[i]
            if released is not None and released[i] is not None:
                until = released[i] + handoff
                held = [e for e in ends[:i] if begins[i] < e <= until]
                if held:
                    first = min(held) + handoff
                    holds.append((begins[i], min(first, until)))
    return out


def spread(begins, anchors, ends, compiled, prev):
    """Sets `ends` in place; returns each step's `prev` and the last end.

    A clump (end hooks that came after the next step's begin, no
    further apart than the steps began) only says it was done by its
    last end. A step after an anchor (a call's or an epoch's first)
    starts a new clump, unless its end hook came before the previous
    step's (validation's, ahead of train's late asynchronous ones): then
    it joins, or it would keep nothing. The host stalls every hook while
    it compiles, so steps before a step that compiled (`compiled[k]`) in
    a clump last until the next began, and the compiling step keeps the
    rest; after it, the time is spread evenly, each step lasting at least
    until the next began.
    """
    prevs = []
    i, n = 0, len(begins)
    while i < n:
        if anchors[i] is not None:
            prev = anchors[i] if prev is None else max(prev, anchors[i])
        elif prev is None:
            prev = begins[i]
        j = i
        # Equal ends across an anchor: bound_ends moved the previous end
        # down to this step's earlier hook, which only says both were done.
        while j + 1 < n and (anchors[j + 1] is None
                             or ends[j + 1] <= ends[j]) and (
                ends[j] >= begins[j + 1]) and (
                ends[j + 1] - ends[j] <= begins[j + 1] - begins[j]):
            j += 1
        prevs.append(prev)
        # No step ends before the one before it: the intervals telescope.
        ends[j] = max(ends[j], prev)
        c = max([k for k in range(i, j + 1) if compiled[k]] or [i])
        for k in range(i, c):
            ends[k] = min(max(begins[k + 1], ends[k - 1] if k > i
                              else prev), ends[j])
            prevs.append(ends[k])
        start = max(begins[c], ends[c - 1] if c > i else prev)
        for k in range(c, j):
            share = start + (ends[j] - start) * (k - c + 1) / (j - c + 1)
            ends[k] = min(max(share, begins[k + 1], ends[k - 1]
                              if k > c else prev), ends[j])
            prevs.append(ends[k])
        prev = ends[j]
        i = j + 1
    return prevs, prev


def bound_and_spread(begins, ends, kinds, compiled, released, anchors,
                     prev):
    """`bound_ends`, then `spread`, over a drained block: (each step's
    end, each step's `prev`, the last end), as arrays or lists.

    Worked out in numpy over the block where the result is known to be the
    same: the end hooks came in order (then `bound_ends` changes nothing),
    or out of order with no step compiled (then each end is the earliest
    of its own and the later ones', as Keras's pool on JAX runs them), with
    no release time, and no step compiled but a clump's first (then each
    clump's time is spread evenly). Elsewhere the loops above.

    >>> ends, prevs, last = bound_and_spread(
    ...     [0.0, 1.0, 1.5], [1.2, 1.8, 2.0], [None] * 3, [False] * 3,
    ...     [None] * 3, [0.0, None, None], None)
    >>> ends.tolist(), prevs.tolist(), last
    ([1.0, 1.5, 2.0], [0.0, 1.0, 1.5], 2.0)
    """
    fast = _plain_spread(begins, ends, compiled, released, anchors, prev)
    if fast is None:
        bounded = _bounded(begins, ends, compiled, released)
        if bounded is not None:
            fast = _plain_spread(begins, bounded, compiled, released,
                                 anchors, prev)
    if fast is not None:
        return fast
    ends = bound_ends(begins, ends, kinds, compiled, released)
    prevs, last = spread(begins, anchors, ends, compiled, prev)
    return ends, prevs, last


def _bounded(begins, ends, compiled, released):
    """`bound_ends`'s ends of a block where no step compiled and none has
    a release time, in numpy: each end the earliest of its own hook and
    the later steps', not before its begin. None where that is not
    theirs: an end below the one before it (a hook before its step's
    begin), which `bound_ends` takes for an overlap."""
    n = len(begins)
    if True in compiled or released.count(None) != n:
        return None
    e = np.array(ends)
    later = np.append(np.minimum.accumulate(e[::-1])[::-1][1:], np.inf)
    own = np.where(e <= later, e, np.maximum(later, np.array(begins)))
    if (own[1:] < own[:-1]).any():
        return None
    return own


def _plain_spread(begins, ends, compiled, released, anchors, prev):
    n = len(begins)
    if not n or released.count(None) != n:
        return None
    e = np.array(ends)
    if not (e[1:] >= e[:-1]).all():
        return None
    b = np.array(begins)
    a = np.array(anchors, np.float64)       # None: NaN
    has = ~np.isnan(a)
    # `spread`'s clumps, from the hook times (it reads them before it moves
    # any end): step j+1 joins step j's clump.
    joins = ((~has[1:]) | (e[1:] <= e[:-1])) & (e[:-1] >= b[1:]) & (
        e[1:] - e[:-1] <= b[1:] - b[:-1])
    starts = np.concatenate(([True], ~joins))
    if (np.array(compiled, bool) & ~starts).any():
        return None
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, n - 1)
    clump = np.cumsum(starts) - 1
    if prev is None:
        prev = a[0] if has[0] else b[0]
    # Each clump's start (`prev` there, its anchor's time if later) and
    # end (the later of that and its last hook): running maxima.
    anchored = a[first]
    closes = np.maximum(np.maximum.accumulate(np.fmax(e[last], anchored)),
                        prev)
    opens = np.fmax(np.append(prev, closes[:-1]), anchored)
    close, open_ = closes[clump], opens[clump]
    # Inside a clump its time is spread evenly, each step lasting at least
    # until the next began: one running maximum, as each clump starts at
    # or after every end before it.
    start = np.maximum(b[first], opens)[clump]
    share = start + (close - start) * (np.arange(n) - first[clump] + 1) / (
        last - first + 1)[clump]
    after = np.append(b[1:], np.inf)
    y = np.minimum(np.maximum(share, after), close)
    y[starts] = np.maximum(y[starts], open_[starts])
    y[last] = closes
    out = np.maximum.accumulate(y)
    # A clump's first step starts at its open, the rest at the end before.
    prevs = np.where(starts, open_, np.roll(out, 1))
    return out, prevs, float(out[-1])
