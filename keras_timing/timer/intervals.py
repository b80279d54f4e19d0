"""Where each step's interval starts and ends: pure functions on hook times.

`bound_ends` tightens each step's end from what later steps say; `spread`
divides a clump of late end hooks among its steps. Both take the drained
steps' hook times in begin order, as lists.
"""

from keras_timing.analysis.steps import StepKind

COMPILED = (StepKind.FIRST, StepKind.RECOMPILE)
OVERLAP = StepKind.OVERLAP


def bound_ends(begins, ends, kinds):
    """Each step's end, bounded by later evidence; a new list.

    Steps end on the device in order: a later end bounds an earlier one. A
    compile holds the host, and the end hooks with it: no step before a
    compiling one (`kinds[i]` set) is taken to end after that one began.
    Such a step's true end is hidden by the compile (the device may have
    run it during the compile, or before): its kind becomes "overlap" in
    `kinds`, and it is left out of the figures like the compile itself.

    >>> bound_ends([0.0, 1.0, 2.0], [5.0, 3.0, 4.0], [None, None, None])
    [3.0, 3.0, 4.0]
    >>> kinds = [None, None, "first"]
    >>> bound_ends([0.0, 1.0, 2.0], [2.9, 2.95, 4.0], kinds), kinds
    ([2.0, 2.0, 4.0], ['overlap', 'overlap', 'first'])
    """
    ends = list(ends)
    low = cap = ends[-1] if ends else None
    for i in range(len(ends) - 1, -1, -1):
        compiled = kinds[i] in COMPILED
        if ends[i] > cap and kinds[i] is None:
            kinds[i] = OVERLAP
        bound = low if low < cap else cap
        if ends[i] > bound:
            ends[i] = bound if bound > begins[i] else begins[i]
        low = ends[i]
        if compiled and begins[i] < cap:
            cap = begins[i]
    return ends


def spread(begins, anchors, ends, kinds, prev):
    """Sets `ends` in place; returns each step's `prev` and the last end.

    A clump (end hooks that came after the next step's begin, no
    further apart than the steps began) only says it was done by its
    last end. The host stalls every hook while it compiles, so steps
    before a compiling step in a clump last until the next began, and
    the compiling step keeps the rest; after it, the time is spread
    evenly, each step lasting at least until the next began.
    """
    prevs = []
    i, n = 0, len(begins)
    while i < n:
        if anchors[i] is not None:
            prev = anchors[i] if prev is None else max(prev, anchors[i])
        elif prev is None:
            prev = begins[i]
        j = i
        while j + 1 < n and anchors[j + 1] is None and (
                ends[j] >= begins[j + 1]) and (
                ends[j + 1] - ends[j] <= begins[j + 1] - begins[j]):
            j += 1
        prevs.append(prev)
        # No step ends before the one before it: the intervals telescope.
        ends[j] = max(ends[j], prev)
        c = max([k for k in range(i, j + 1) if kinds[k] in COMPILED]
                or [i])
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
