"""One run's timings: from `StepTime`s to event-file points and statistics.

Pure bookkeeping: the callback feeds it, the writer receives its points. The
statistics leave out each call's first batch (tracing and compilation), which
is reported on its own. Time per sample is a median of `batch_ms +
input_wait_ms` per sample (one slow step, such as a retrace for a smaller
last batch, does not move it); samples/s is the total over the wall time of
the batches, input wait included. The chart's band is `batch_ms` per sample.
"""

import math
from collections import deque

import numpy as np

from keras_timing import schema
from keras_timing.timer.clock import StepTime
from keras_timing.timer.sketch import Sketch

BAND_WINDOW = 50
BAND_EVERY = 10
# Long runs: every step's point for the first FULL_STEPS steps of a run,
# then one point per BLOCK_STEPS steps (their means). A million steps then
# make ~20,000 points (~2 MB), and the statistics stay exact.
FULL_STEPS = 10_000
BLOCK_STEPS = 100


class RunStats:
    """Running statistics of one run (train, validation, evaluate, predict).

    Args:
        name: The run name.

    Example:

    >>> from keras_timing.timer.clock import StepTime
    >>> p = RunStats("train")
    >>> pts = p.add([StepTime(1, 1, 50.0, 0.0, 1.0, True, 32),
    ...              StepTime(2, 2, 2.0, 0.5, 1.1, False, 32)])
    >>> p.summary()["p50_ms"], p.summary()["first_batch_ms"]
    (2.0, 50.0)
    """

    def __init__(self, name, full_steps=None, block_steps=None):
        self.name = name
        self.batch_ms = Sketch()
        self.ms_per_sample = Sketch()
        self.steps = 0
        self.last_step = 0
        self.first_batch_ms = []
        self.batch_total_ms = 0.0
        self.wait_total_ms = 0.0
        self.samples = 0
        self.sampled_ms = 0.0
        self.unknown_batch_size = False
        self._band = deque(maxlen=BAND_WINDOW)
        self._points = 0
        self._decimator = Decimator(
            FULL_STEPS if full_steps is None else full_steps,
            BLOCK_STEPS if block_steps is None else block_steps)

    def add(self, times, final=False):
        """Folds `StepTime`s in; returns `(step, {tag: value})` points.

        `final`: the call is over; a block being decimated is written now.
        """
        points = []
        for t in times:
            self._fold(t)
            points += [self._point(p) for p in self._decimator.push(t)]
        if final:
            points += [self._point(p) for p in self._decimator.flush()]
        return points

    def _fold(self, t):
        """Exact statistics: every step counts, decimated or not."""
        self.last_step = max(self.last_step, t.last_step)
        if not t.samples:
            self.unknown_batch_size = True
        if t.is_first:
            self.first_batch_ms.append(t.batch_ms)
            return
        self.batch_ms.add(t.batch_ms, t.steps)
        self.steps += t.steps
        self.batch_total_ms += t.batch_ms * t.steps
        self.wait_total_ms += t.input_wait_ms * t.steps
        if t.samples:
            wall = (t.batch_ms + t.input_wait_ms) * t.steps
            self.samples += t.samples
            self.sampled_ms += wall
            # The summary's per-sample time is the step's whole interval:
            # where host work between steps lands (batch or input wait)
            # differs by backend, and a user pays for both.
            self.ms_per_sample.add(wall / t.samples, t.steps)
            self._band.append(t.batch_ms * t.steps / t.samples)

    def _point(self, t):
        values = {
            schema.BATCH_MS: t.batch_ms,
            schema.INPUT_WAIT_MS: t.input_wait_ms,
        }
        if t.steps != 1:
            values[schema.STEPS] = t.steps
        if t.samples:
            wall = (t.batch_ms + t.input_wait_ms) * t.steps
            if wall > 0:
                values[schema.SAMPLES_PER_SEC] = t.samples * 1e3 / wall
        if t.is_first:
            values[schema.FIRST_BATCH_MS] = t.batch_ms
        elif t.samples and self._band:
            self._points += 1
            if self._points % BAND_EVERY == 0:
                self._add_band(values)
        return t.last_step, values

    def _add_band(self, values):
        """Rolling median and p10-p90 of ms per sample, for the margin chart.

        Written on every BAND_EVERY-th point: the band is a smoothed view,
        and each tag written costs event-file bytes.
        """
        lo, mid, hi = np.percentile(self._band, [10, 50, 90])
        values[schema.MS_PER_SAMPLE] = float(mid)
        values[schema.MS_PER_SAMPLE_P10] = float(lo)
        values[schema.MS_PER_SAMPLE_P90] = float(hi)

    def summary(self):
        """The figures of the console and text summaries, as a dict."""
        busy = self.batch_total_ms + self.wait_total_ms
        return {
            "run": self.name,
            "steps": self.steps + len(self.first_batch_ms),
            "p50_ms": self.batch_ms.quantile(0.5),
            "p90_ms": self.batch_ms.quantile(0.9),
            "p99_ms": self.batch_ms.quantile(0.99),
            "mean_ms": self.batch_ms.mean,
            "first_batch_ms": (self.first_batch_ms[-1]
                               if self.first_batch_ms else math.nan),
            "input_wait_share": (self.wait_total_ms / busy
                                 if busy > 0 else math.nan),
            "samples_per_sec": (self.samples * 1e3 / self.sampled_ms
                                if self.sampled_ms > 0 else math.nan),
            "ms_per_sample": self.ms_per_sample.quantile(0.5),
        }


class Decimator:
    """Passes points through for `full_steps` steps, then merges blocks.

    Each merged point covers `block_steps` steps (fewer for the last one of
    a call): its `batch_ms` and `input_wait_ms` are the block's means per
    step and its step count is exact, so sums over points stay exact. A
    call's first batch always keeps a point of its own.

    Args:
        full_steps: Steps written one point each before decimation starts.
        block_steps: Steps per point after that.
    """

    def __init__(self, full_steps, block_steps):
        self.full_steps = full_steps
        self.block_steps = block_steps
        self.seen = 0
        self._block = []
        self._block_steps = 0

    def push(self, t):
        """Returns the points to write now (zero, one or two)."""
        self.seen += t.steps
        if t.is_first or self.seen <= self.full_steps:
            return self.flush() + [t]
        self._block.append(t)
        self._block_steps += t.steps
        if self._block_steps >= self.block_steps:
            return self.flush()
        return []

    def flush(self):
        if not self._block:
            return []
        block, self._block, self._block_steps = self._block, [], 0
        if len(block) == 1:
            return block
        steps = sum(t.steps for t in block)
        samples = [t.samples for t in block]
        return [StepTime(
            first_step=block[0].first_step,
            last_step=block[-1].last_step,
            batch_ms=sum(t.batch_ms * t.steps for t in block) / steps,
            input_wait_ms=sum(t.input_wait_ms * t.steps for t in block) / steps,
            end_time=block[-1].end_time,
            is_first=False,
            samples=sum(samples) if all(samples) else None,
        )]
