"""The timeline's log replayed into its rows, in the order the hooks ran.

Each hook appended one entry of five items to a flat list (`clock.py`):
(kind, run, step, time, one more): a begin's step and the measured figures
of the step before (or None); an end's last step and samples; an anchor's
`first_of_call` as its step; a begin after a compile or a settle,
`(compiled, hold, values, released)` as its last item. A
stretch of one run's begins and ends in the usual order (the steps of a
fit between two drains) is added at once; the rest one entry at a time.
"""

import numpy as np

BEGIN, BEGIN_AFTER, END, ANCHOR, SETTLE, CLOSE = range(6)
# A stretch of at least this many begins and ends is tried at once.
STRETCH = 32


def replay(rows, entries):
    """Replays `entries` (a flat list of five-item entries) into `rows`.

    >>> from keras_timing.timer.rows import Rows
    >>> rows = Rows()
    >>> replay(rows, [ANCHOR, "train", True, 0.0, None,
    ...               BEGIN, "train", 1, 0.5, None,
    ...               END, "train", 1, 2.5, 32,
    ...               SETTLE, "train", 0, None, (False, False, None, None)])
    >>> columns, taken = rows.take()
    >>> columns[4], columns[5], columns[8], taken
    ([0.5], [2.5], [32], 1)
    """
    kinds = entries[0::5]
    n = len(kinds)
    if n < STRETCH:
        return _each(rows, entries, 0, n)
    kinds = np.array(kinds)
    # Stretches of begins and ends, between the other entries.
    cuts = np.flatnonzero((kinds != BEGIN) & (kinds != END)).tolist()
    a = 0
    for b in cuts + [n]:
        if b - a >= STRETCH and _stretch(rows, entries, a, b, kinds):
            a = b
        elif b - a >= STRETCH:
            # It may open with the end of a step the last replay left
            # running: up to the first end one at a time, then again.
            ends = np.flatnonzero(kinds[a:b] == END)
            first = a + int(ends[0]) + 1 if len(ends) else b
            _each(rows, entries, a, first)
            a = first
            if b - a >= STRETCH and _stretch(rows, entries, a, b, kinds):
                a = b
        _each(rows, entries, a, b)
        _each(rows, entries, b, min(b + 1, n))
        a = b + 1


def _each(rows, entries, a, b):
    """Entries `a..b-1`, one at a time."""
    items = iter(entries[5 * a:5 * b])
    for kind, run, step, t, extra in zip(items, items, items, items, items):
        if kind == BEGIN:
            rows.begin(run, step, t, extra)
        elif kind == END:
            rows.end(run, step, t, extra)
        elif kind == BEGIN_AFTER:
            rows.begin_after(run, step, t, *extra)
        elif kind == ANCHOR:
            rows.anchor(run, t, step)
        elif kind == SETTLE:
            rows.settle(run, *extra)
        else:
            rows.close()


def _stretch(rows, entries, a, b, kinds):
    """Begins and ends `a..b-1` at once where they are one run's, in the
    usual order: steps begun in increasing order after the run's open ones,
    and ends that end them in order (each at a step before the next's
    first) or each its own step's (out of order, as Keras's pool may run
    them), each after its begin: one at a time would end the same rows.
    False, nothing added, if not."""
    chunk = entries[5 * a:5 * b]
    runs = chunk[1::5]
    run = runs[0]
    if runs.count(run) != len(runs):
        return False
    opened = rows.open_firsts(run)
    if opened is None:
        return False
    steps = np.array(chunk[2::5])
    begun = kinds[a:b] == BEGIN
    at, ended = np.flatnonzero(begun), np.flatnonzero(~begun)
    first, last = steps[at], steps[ended]
    n, m, p = len(at), len(ended), len(opened)
    if not n or m > n + p or (np.diff(first) <= 0).any() or (
            p and first[0] <= opened[-1]):
        return False
    # Every step the stretch may end, the open ones first (begun before
    # it: at -1), and where each began.
    firsts = np.concatenate((np.array(opened, first.dtype), first))
    where = np.concatenate((np.full(p, -1), at))
    if (last >= firsts[:m]).all() and (
            last[:n + p - 1] < firsts[1:m + 1]).all():
        which = np.arange(m)
    else:
        which = np.searchsorted(firsts, last)
        # Past the last first step: not one of its rows (and so no index
        # past the end is read).
        if (which >= n + p).any() or (firsts[which] != last).any() or (
                len(np.unique(which)) != m):
            return False
    if (ended <= where[which]).any():
        return False
    times, samples = chunk[3::5], chunk[4::5]
    at, ended = at.tolist(), ended.tolist()
    # A begin's last item is the step before's measured figures (or None),
    # an end's its samples.
    rows.add_stretch(run, first.tolist(), [times[k] for k in at],
                     [samples[k] for k in at], which.tolist(), last.tolist(),
                     [times[k] for k in ended], [samples[k] for k in ended])
    return True
