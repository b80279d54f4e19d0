"""A ratio of two runs' time per sample, with a 95% bootstrap interval.

Shared by `keras-timing compare` (B over A) and the fit/predict ratio (train
over predict). Each side is the counted points of a run: their whole
intervals (batch + input wait) and their samples (or steps, where a batch
size is unknown). The points of each side are resampled with replacement and
the ratio of totals recomputed `RESAMPLES` times with a fixed seed, so the
same points always give the same interval.

A live run keeps a bounded `Reservoir` of its counted points, not every
step: where it holds `n` of `seen` points, each resampled total's distance
from the sample's own total is shrunk by sqrt(n / seen), the spread a
bootstrap of all `seen` points would have (the variance of a total of
independent points falls as 1 / points).

Example:

>>> import numpy as np
>>> ms = np.array([1.0, 1.2, 0.9, 1.1, 1.0, 1.05])
>>> r = interval(Points(2 * ms, np.full(6, 32.0)), Points(ms, np.full(6, 32.0)))
>>> round(r.ratio, 3), r.low < 2 < r.high
(2.0, True)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95
# Fewer counted points than this on a side give no interval.
MIN_POINTS = 2
# Points a run keeps for its interval: 2 x 4,096 x 3 float64, 200 kB a run.
CAPACITY = 4096
# Points a live run's interval resamples (the bootstrap's cost grows with
# them; the shrink by sqrt(n / seen) keeps its width that of every point).
DRAWN = 2048


@dataclass(frozen=True)
class Points:
    """One side: per point its whole interval (ms) and its samples (or
    steps); `seen`: how many points these stand for (default: all here)."""

    ms: np.ndarray
    per: np.ndarray
    seen: int | None = None

    @property
    def count(self) -> int:
        return int(self.ms.size)

    @property
    def total(self) -> float:
        """ms per sample (or step) over the points."""
        return float(self.ms.sum() / self.per.sum())


@dataclass(frozen=True)
class Interval:
    """`ratio` = top / bottom total, its 95% interval, and each side's own
    relative half-width (`spread`: top's, bottom's), to tell which side
    makes the interval wide."""

    ratio: float
    low: float
    high: float
    spread: tuple = (math.nan, math.nan)


def _resampled_totals(ms, per, rng, resamples):
    """Ratio of totals (ms / per) for each bootstrap resample of the points,
    drawn in chunks so that memory stays bounded on long runs."""
    n = len(ms)
    out = np.empty(resamples)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        picks = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = ms[picks].sum(axis=1) / per[picks].sum(axis=1)
    return out


def _draws(side, rng, resamples):
    total = side.total
    draws = _resampled_totals(side.ms, side.per, rng, resamples)
    seen = side.seen or side.count
    if seen > side.count:
        draws = total + (draws - total) * math.sqrt(side.count / seen)
    return draws


def interval(top: Points, bottom: Points, resamples: int = RESAMPLES,
             seed: int = SEED, level: float = LEVEL) -> Interval | None:
    """`top.total / bottom.total` with its bootstrap interval.

    Args:
        top: The numerator's points (B in compare, train in fit/predict).
        bottom: The denominator's points.
        resamples: Bootstrap resamples.
        seed: Seed of the resampling, fixed so answers repeat.
        level: Coverage of the interval.

    Returns None where a side has fewer than `MIN_POINTS` points.
    """
    if min(top.count, bottom.count) < MIN_POINTS:
        return None
    rng = np.random.default_rng(seed)
    # The bottom side first: compare drew A before B, and keeps its answers.
    low_draws = _draws(bottom, rng, resamples)
    top_draws = _draws(top, rng, resamples)
    tail = (1 - level) / 2 * 100
    low, high = (float(v) for v in np.percentile(top_draws / low_draws,
                                                 [tail, 100 - tail]))
    spread = tuple(
        float(np.diff(np.percentile(d, [tail, 100 - tail]))[0] / 2 / s.total)
        for d, s in ((top_draws, top), (low_draws, bottom)))
    return Interval(top.total / bottom.total, low, high, spread)


class Reservoir:
    """A uniform sample of at most `capacity` points of a run (interval ms,
    samples, steps), in bounded memory however long the run (Li's
    Algorithm L: the random skips cost nothing on most points).

    Args:
        capacity: Points kept.
        seed: Seed of the choice, so a run's interval repeats.

    >>> r = Reservoir(capacity=3)
    >>> for i in range(10):
    ...     r.add(float(i), 32, 1)
    >>> r.seen, r.points(per_sample=True).count
    (10, 3)
    """

    def __init__(self, capacity: int = CAPACITY, seed: int = SEED):
        self.capacity = capacity
        self.seen = 0
        self._rows = np.empty((min(capacity, 64), 3))
        self._random = random.Random(seed)
        self._w = math.exp(math.log(self._random.random()) / capacity)
        self._next = capacity + self._skip()

    def _skip(self):
        return int(math.log(self._random.random())
                   / math.log(1 - self._w)) + 1

    def add(self, ms: float, samples: float, steps: int) -> None:
        """One counted point; `samples` <= 0 or None: not known."""
        i = self.seen
        self.seen += 1
        if i < self.capacity:
            if i == len(self._rows):
                grown = np.empty((min(2 * i, self.capacity), 3))
                grown[:i] = self._rows
                self._rows = grown
            self._rows[i] = ms, samples or 0, steps
            return
        if self.seen < self._next:
            return
        self._rows[self._random.randrange(self.capacity)] = (
            ms, samples or 0, steps)
        self._w *= math.exp(math.log(self._random.random()) / self.capacity)
        self._next += self._skip()

    def add_many(self, ms, samples, steps) -> None:
        """`add` of each point of three equal-length arrays, in order: the
        same rows kept (the writer folds thousands of points a drain)."""
        rows = np.column_stack((ms, samples, steps)).astype(np.float64)
        at, m = 0, len(rows)
        room = min(self.capacity - self.seen, m)
        if room > 0:
            need = self.seen + room
            if need > len(self._rows):
                grown = np.empty((min(max(need, 2 * len(self._rows)),
                                      self.capacity), 3))
                grown[:self.seen] = self._rows[:self.seen]
                self._rows = grown
            self._rows[self.seen:need] = rows[:room]
            self.seen, at = need, room
        # Algorithm L's skips, as `add` draws them (the same random
        # numbers in the same order); the kept rows are written at the end.
        draw, pick = self._random.random, self._random.randrange
        cap, log, exp = self.capacity, math.log, math.exp
        seen, nxt, w, kept = self.seen, self._next, self._w, {}
        while at < m:
            # Only the point that brings `seen` to `_next` is kept.
            at += nxt - seen - 1
            if at >= m:
                seen += m - at + nxt - seen - 1
                break
            seen = nxt
            kept[pick(cap)] = at
            w *= exp(log(draw()) / cap)
            nxt += int(log(draw()) / log(1 - w)) + 1
            at += 1
        self.seen, self._next, self._w = seen, nxt, w
        if kept:
            self._rows[list(kept)] = rows[list(kept.values())]

    def rows(self):
        return self._rows[:min(self.seen, self.capacity)]

    def plus(self, other: "Reservoir") -> "Reservoir":
        """The union of two runs' passes: each keeps its share of the
        points in proportion to the points it saw."""
        out = Reservoir(self.capacity)
        seen = self.seen + other.seen
        parts = []
        for r in (self, other):
            rows = r.rows()
            keep = len(rows) if seen <= self.capacity else min(
                len(rows), round(self.capacity * r.seen / seen))
            if keep < len(rows):
                picks = np.random.default_rng(SEED).choice(
                    len(rows), keep, replace=False)
                rows = rows[np.sort(picks)]
            parts.append(rows)
        out._rows = np.concatenate(parts).reshape(-1, 3)
        out.capacity = max(len(out._rows), 1)
        out.seen = seen
        return out

    def points(self, per_sample: bool) -> Points:
        """The kept points per sample (those of known size) or per step; at
        most `DRAWN` of them (a uniform choice), so that an interval at a
        call's end costs a fraction of a second however long the run."""
        rows = self.rows()
        if len(rows) > DRAWN:
            rows = rows[np.sort(np.random.default_rng(SEED).choice(
                len(rows), DRAWN, replace=False))]
        if per_sample:
            known = rows[:, 1] > 0
            share = known.mean() if len(rows) else 0.0
            return Points(rows[known, 0], rows[known, 1],
                          round(self.seen * share))
        return Points(rows[:, 0], rows[:, 2], self.seen)

