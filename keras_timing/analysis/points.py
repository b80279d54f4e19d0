"""A drain's event-file points, most of them as columns.

`RunStats.add` turns steps into points `(step, {tag: value})`. Nearly every
point is a plain counted step with the same few tags; making a dict for
each cost more than the hook that timed the step. `PointRows` keeps those
points as numpy columns, one group per list of tags, and the rest (a pass's
first step, a compile, a merged block) as dicts, in order. The event writer
encodes the groups in bulk (`ScalarEncoder.encode_block`); iterating gives
the `(step, values)` pairs.
"""

import math
from array import array

import numpy as np

from keras_timing import schema
from keras_timing.analysis.figures import MEASURED
from keras_timing.analysis.steps import StepKind

# The band is written on every BAND_EVERY-th sized counted point.
BAND_EVERY = 10
BAND_TAGS = (schema.MS_PER_SAMPLE, schema.MS_PER_SAMPLE_P10,
             schema.MS_PER_SAMPLE_P90)
RATE_TAGS = (schema.SAMPLES_PER_SEC, schema.TFLOPS_PER_SEC, schema.MFU)
# The most points whose throughput waits for the FLOP count (`RateLog`).
RATES_KEPT = 1 << 16


class RateLog:
    """Step and samples/s of the points written before the FLOPs are
    known, for `PointMaker.backfill`: two arrays, 16 bytes a point, never
    more than `RATES_KEPT` points. Past that it keeps every other point,
    then every fourth, ..., evenly over the call, so a long call whose
    FLOPs come late (or never) keeps its memory bounded; the points left
    out get no throughput.

    >>> log = RateLog()
    >>> log.add([3, 5, 7], [1.0, 2.0, 3.0]); log.add([9], [4.0])
    >>> log.take(), log.take()
    ([(3, 1.0), (5, 2.0), (7, 3.0), (9, 4.0)], [])
    """

    def __init__(self):
        self.steps, self.rates = array("q"), array("d")
        self.every = 1   # the points kept: every `every`-th one ...
        self.seen = 0    # ... counted over the points added so far

    def add(self, steps, rates):
        """Appends points (sequences or numpy arrays of the same length)."""
        steps = np.asarray(steps, np.int64)
        rates = np.asarray(rates, np.float64)
        added, self.seen = self.seen, self.seen + len(steps)
        if self.every > 1:
            kept = (added + np.arange(len(steps))) % self.every == 0
            steps, rates = steps[kept], rates[kept]
        self.steps.frombytes(steps.tobytes())
        self.rates.frombytes(rates.tobytes())
        while len(self.steps) > RATES_KEPT:
            # Those kept are the multiples of `every`, in order: each
            # second of them is a multiple of twice that.
            del self.steps[1::2]
            del self.rates[1::2]
            self.every *= 2

    def take(self):
        """The `(step, rate)` pairs kept, and the log emptied."""
        pairs = list(zip(self.steps, self.rates))
        self.__init__()
        return pairs


class PointRows:
    """Points in order: `groups` of columns and `extra` dict points.

    Attributes:
        groups: `[tags, positions, steps, values]` each: a tuple of tags,
            the points' positions (int64), steps (int64) and values (float64,
            a row per point, a column per tag).
        extra: `{position: (step, {tag: value})}`.

    >>> rows = PointRows()
    >>> rows.append(1, {"a": 1.0})
    >>> at = np.arange(rows.reserve(2), 3)
    >>> rows.add_group(("a", "b"), at, np.array([2, 3]), np.ones((2, 2)))
    >>> rows.last()["c"] = 5.0
    >>> for step, values in rows:
    ...     print(step, values)
    1 {'a': 1.0}
    2 {'a': 1.0, 'b': 1.0}
    3 {'a': 1.0, 'b': 1.0, 'c': 5.0}
    """

    def __init__(self):
        self.groups = []
        self.extra = {}
        self._n = 0

    def __len__(self):
        return self._n

    def append(self, step, values):
        self.extra[self._n] = step, values
        self._n += 1

    def reserve(self, count):
        """Makes room for `count` points after the rest (`add_group` fills
        them); returns the first one's position."""
        self._n += count
        return self._n - count

    def add_group(self, tags, at, steps, values):
        """Points at positions `at` (reserved, in order) and `steps`
        (int64), with `values` a row each."""
        if len(at):
            self.groups.append([tags, at, steps, values])

    def last(self):
        """The last point's values, a dict the caller may add tags to."""
        at = self._n - 1
        if at not in self.extra:
            for group in self.groups:
                if len(group[1]) and group[1][-1] == at:
                    tags, _, steps, values = group
                    self.extra[at] = _pair(tags, steps[-1], values[-1])
                    group[1:] = [g[:-1] for g in group[1:]]
        return self.extra[at][1]

    def __iter__(self):
        out = dict(self.extra)
        for tags, at, steps, values in self.groups:
            for i, step, row in zip(at.tolist(), steps, values):
                out[i] = _pair(tags, step, row)
        return iter([out[i] for i in range(self._n)])

    def __getitem__(self, i):
        return list(self)[i]


class PointMaker:
    """The points of single steps, the band and the throughput figures of
    `RunStats` (its state: `_band`, `_band_in_call`, `sized_points`,
    `_rates`, `flops_per_sample`, `peak_flops`, `peak_memory_mb`)."""

    def _point(self, t):
        values = {
            schema.BATCH_MS: t.batch_ms,
            schema.INPUT_WAIT_MS: t.input_wait_ms,
        }
        if t.values:
            for f in MEASURED:
                if f.name in t.values:
                    values[f.tag] = t.values[f.name]
        if t.steps != 1:
            values[schema.STEPS] = t.steps
        if t.epoch_start_ms or t.opens:
            # Written on every pass's first step: where passes begin.
            values[schema.EPOCH_START_MS] = t.epoch_start_ms
        if t.samples and t.samples > 0:
            interval = t.interval_ms
            if interval > 0:
                rate = values[schema.SAMPLES_PER_SEC] = (
                    t.samples * 1e3 / interval)
                if self.flops_per_sample:
                    values.update(self._throughput(rate))
                else:
                    self._rates.add((t.last_step,), (rate,))
        if t.kind:
            values[StepKind(t.kind).tag] = t.batch_ms
        elif t.samples and t.samples > 0 and self._band:
            self.sized_points += 1
            if self.sized_points % BAND_EVERY == 0:
                self._add_band(values)
        return t.last_step, values

    def rate_points(self, steps, rates):
        """Samples per second of points written before the FLOPs are
        known (arrays; see `backfill`)."""
        self._rates.add(steps, rates)

    def _add_band(self, values):
        """Rolling median and p10-p90 of ms per sample, for the margin chart.

        Written on every BAND_EVERY-th point (and once per call at least):
        the band is a smoothed view, and each tag costs event-file bytes.
        """
        values.update(zip(BAND_TAGS, self.band_values()))

    @property
    def has_band(self):
        return bool(self._band)

    def band_values(self):
        """The band's median, p10 and p90 now (it holds a point)."""
        ordered = sorted(self._band)
        last = len(ordered) - 1
        self._band_in_call = True
        return (ordered[last // 2], ordered[int(0.1 * last)],
                ordered[int(math.ceil(0.9 * last))])

    def _throughput(self, rate):
        flops = rate * self.flops_per_sample
        values = {schema.TFLOPS_PER_SEC: flops / 1e12}
        if self.peak_flops:
            values[schema.MFU] = flops / self.peak_flops
        return values

    def backfill(self):
        """At a call's end: throughput points for the call's points written
        before its FLOPs were known (they are counted after its steps)."""
        rates = self._rates.take()
        if not self.flops_per_sample:
            return []
        return [(step, self._throughput(rate)) for step, rate in rates]

    def memory_point(self, points, peak_mb):
        """Puts the memory peak since the last write on the last point."""
        if peak_mb is not None and points:
            last = (points.last() if isinstance(points, PointRows)
                    else points[-1][1])
            last[schema.PEAK_MEMORY_MB] = peak_mb
            self.peak_memory_mb = max(self.peak_memory_mb or 0.0, peak_mb)


    def _plain(self, block, rows, out):
        """The points of plain counted steps `rows` (a range of a
        `StepBlock`, none of them odd) into `out` (a `PointRows`): what
        `_point` gives each, in bulk, grouped by their lists of tags."""
        pick = slice(rows.start, rows.stop)
        n, samples, last = (block.steps[pick], block.samples[pick],
                            block.last[pick])
        batch, wait = block.batch[pick], block.wait[pick]
        sized = samples > 0
        interval = (batch + wait) * n
        rated = sized & (interval > 0)
        rate = np.zeros(len(n))
        rate[rated] = samples[rated] * 1e3 / interval[rated]
        columns = {schema.BATCH_MS: batch, schema.INPUT_WAIT_MS: wait,
                   schema.STEPS: n, schema.SAMPLES_PER_SEC: rate}
        # Measured figures (`_point`'s tags), each where a step has one.
        measured = block.measured(rows)
        measured = [(f.tag, measured[f.name]) for f in MEASURED
                    if f.name in measured]
        columns.update(measured)
        if self.flops_per_sample:
            flops = rate * self.flops_per_sample
            columns[schema.TFLOPS_PER_SEC] = flops / 1e12
            if self.peak_flops:
                columns[schema.MFU] = flops / self.peak_flops
        else:
            self.rate_points(last[rated], rate[rated])
        banded = np.zeros(len(n), bool)
        if self.has_band:
            # Every BAND_EVERY-th sized point carries the band (a view of
            # the whole drain: `RunStats.add` folds before its points).
            count = np.cumsum(sized) + self.sized_points
            banded = sized & (count % BAND_EVERY == 0)
            self.sized_points += int(sized.sum())
            if banded.any():
                columns.update(zip(BAND_TAGS, self.band_values()))
        rate_tags = [t for t in RATE_TAGS if t in columns]
        code = (n != 1) * 4 + rated * 2 + banded
        for j, (_, ms) in enumerate(measured):
            code = code + (~np.isnan(ms)) * (8 << j)
        base = out.reserve(len(n))
        for kind in np.unique(code).tolist():
            tags = [schema.BATCH_MS, schema.INPUT_WAIT_MS]
            tags += [tag for j, (tag, _) in enumerate(measured)
                     if kind & (8 << j)]
            tags += [schema.STEPS] * bool(kind & 4)
            tags += rate_tags * bool(kind & 2)
            tags += list(BAND_TAGS) * (kind & 1)
            where = np.flatnonzero(code == kind)
            values = np.empty((len(where), len(tags)))
            for j, tag in enumerate(tags):
                column = columns[tag]
                values[:, j] = column if np.isscalar(column) else column[where]
            out.add_group(tuple(tags), base + where, last[where], values)

def _pair(tags, step, row):
    values = dict(zip(tags, row.tolist()))
    if schema.STEPS in values:
        values[schema.STEPS] = int(values[schema.STEPS])
    return int(step), values
