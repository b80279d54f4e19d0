"""One run's timings: from `StepTime`s to event-file points and statistics.

Pure bookkeeping: the callback feeds it, the writer receives its points. The
statistics leave out each call's first batch (tracing and compilation), which
is reported on its own. Time per sample is a median (one slow step, such as a
retrace for a smaller last batch, does not move it); samples/s is the total
over the wall time of the batches, input wait included.
"""

import math
from collections import deque

import numpy as np

from keras_timing import names
from keras_timing.stats import Sketch

BAND_WINDOW = 50
BAND_EVERY = 10


class PhaseStats:
    """Running statistics of one run (train, validation, evaluate, predict).

    Args:
        name: The run name.

    Example:

    >>> from keras_timing.clock import StepTime
    >>> p = PhaseStats("train")
    >>> pts = p.add([StepTime(1, 1, 50.0, 0.0, 1.0, True, 32),
    ...              StepTime(2, 2, 2.0, 0.5, 1.1, False, 32)])
    >>> p.summary()["p50_ms"], p.summary()["first_batch_ms"]
    (2.0, 50.0)
    """

    def __init__(self, name):
        self.name = name
        self.batch_ms = Sketch()
        self.ms_per_sample = Sketch()
        self.steps = 0
        self.calls = 0
        self.last_step = 0
        self.first_batch_ms = []
        self.batch_total_ms = 0.0
        self.wait_total_ms = 0.0
        self.samples = 0
        self.sampled_ms = 0.0
        self.unknown_batch_size = False
        self._band = deque(maxlen=BAND_WINDOW)
        self._band_count = 0

    def add(self, times):
        """Folds `StepTime`s in; returns `(step, {tag: value})` points."""
        points = []
        for t in times:
            values = {
                names.BATCH_MS: t.batch_ms,
                names.INPUT_WAIT_MS: t.input_wait_ms,
            }
            if t.steps != 1:
                values[names.STEPS] = t.steps
            self.last_step = max(self.last_step, t.last_step)
            self.calls += 1
            if t.samples:
                wall = (t.batch_ms + t.input_wait_ms) * t.steps
                if wall > 0:
                    values[names.SAMPLES_PER_SEC] = t.samples * 1e3 / wall
            else:
                self.unknown_batch_size = True
            if t.is_first:
                values[names.FIRST_BATCH_MS] = t.batch_ms
                self.first_batch_ms.append(t.batch_ms)
            else:
                self.batch_ms.add(t.batch_ms, t.steps)
                self.steps += t.steps
                self.batch_total_ms += t.batch_ms * t.steps
                self.wait_total_ms += t.input_wait_ms * t.steps
                if t.samples:
                    per_sample = t.batch_ms * t.steps / t.samples
                    self.samples += t.samples
                    self.sampled_ms += (t.batch_ms + t.input_wait_ms) * t.steps
                    self.ms_per_sample.add(per_sample, t.steps)
                    self._add_band(values, per_sample)
            points.append((t.last_step, values))
        return points

    def _add_band(self, values, per_sample):
        """Every BAND_EVERY points: rolling median and p10-p90 per sample.

        Written at a tenth of the rate of the other tags: the band is a
        smoothed view, and each tag written costs event-file bytes.
        """
        self._band.append(per_sample)
        self._band_count += 1
        if self._band_count % BAND_EVERY:
            return
        lo, mid, hi = np.percentile(self._band, [10, 50, 90])
        values[names.MS_PER_SAMPLE] = float(mid)
        values[names.MS_PER_SAMPLE_P10] = float(lo)
        values[names.MS_PER_SAMPLE_P90] = float(hi)

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
