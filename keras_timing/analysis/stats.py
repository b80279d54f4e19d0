"""One run's timings: from `StepTime`s to event-file points and statistics.

Pure bookkeeping: the recorder feeds it, the writer receives its points. Each
call's first step (tracing, compilation) and every step that compiled again
(a new batch shape) are reported on their own and left out of the figures.
Per-sample figures are totals: the counted steps' whole intervals (batch plus
input wait) over their samples, so how the clock splits an interval between
neighbouring steps cannot move them. They describe the steady state: once a
run's later passes (train: epochs; validation, evaluate, predict: calls) hold
as many counted steps as its first, the first pass is warm-up and is left out
of the totals too. Quantiles of `batch_ms` are exact to the
sketch's relative error. The chart's band is a rolling median of `batch_ms +
input_wait_ms` per sample.
"""

import math
from collections import deque

import numpy as np

from keras_timing.analysis import bulk
from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.figures import BATCH
from keras_timing.analysis.figures import INPUT_WAIT
from keras_timing.analysis.figures import STEP_FIGURES
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.decimator import Decimator
from keras_timing.analysis.passes import Totals
from keras_timing.analysis.points import PointMaker
from keras_timing.analysis.points import PointRows
from keras_timing.analysis.points import RateLog
from keras_timing.analysis.passes import later_passes_stand
from keras_timing.analysis.fit_predict import CallLoad
from keras_timing.analysis.fit_predict import PassNotes
from keras_timing.analysis.fit_predict import SampleScope
from keras_timing.analysis.ratio import Reservoir
from keras_timing.analysis.sketch import Sketch

BAND_WINDOW = 50
# Long runs: every step's point for the first FULL_STEPS steps of a run,
# then one point per BLOCK_STEPS steps (their means). A million steps then
# make ~20,000 points (~2 MB), and the statistics stay exact.
FULL_STEPS = 10_000
BLOCK_STEPS = 100


class RunStats(PointMaker):
    """Running statistics of one run (train, validation, evaluate, predict).

    Args:
        name: The run name.
        full_steps, block_steps: Decimation (see `Decimator`); default
            FULL_STEPS and BLOCK_STEPS.

    Example:

    >>> from keras_timing.analysis.steps import StepTime
    >>> p = RunStats("train")
    >>> pts = p.add([StepTime(1, 1, 50.0, 0.0, 1.0, "first", 32),
    ...              StepTime(2, 2, 2.0, 0.5, 1.1, None, 32)])
    >>> s = p.summary()
    >>> s["p50_ms"], s["first_batch_ms"], s["ms_per_sample"]
    (2.0, 50.0, 0.078125)
    """

    def __init__(self, name, full_steps=None, block_steps=None):
        self.name = name
        self.batch_ms = Sketch()
        self.steps = 0            # every step, first and recompiles too
        self.passes = 0           # epochs and calls begun
        self.warmup_steps = 0     # every step of the first pass
        self.first_batch_ms = []
        self.recompile_ms = []
        self.profiled_steps = 0   # held a profiler start, stop or trace
        self.epoch_start_total_ms = 0.0
        self._first_pass, self._later = Totals(), Totals()
        self._overlapped = Totals()   # steps whose end a compile hid
        self._first_sample, self._later_sample = Reservoir(), Reservoir()
        self.pass_notes = PassNotes()  # why a run has no counted step
        self.call_load = CallLoad()     # was the machine busy?
        self.samples = SampleScope()    # whose samples the steps count
        self.unknown_batch_size = False
        self.calls = 0
        self.call_total_ms = 0.0
        self.outside_total_ms = 0.0
        self.data_epoch = {"data_epoch_end_ms": 0.0, "data_workers": 0}
        self.flops_per_sample = None
        self.peak_flops = None
        self.peak_label = ""
        self._rates = RateLog()   # points waiting for the FLOP count
        self.peak_memory_mb = None
        self._band = deque(maxlen=BAND_WINDOW)
        self.sized_points = 0   # sized counted points since the band began
        self._band_in_call = False
        self._decimator = Decimator(
            FULL_STEPS if full_steps is None else full_steps,
            BLOCK_STEPS if block_steps is None else block_steps)

    def add(self, times, final=False):
        """Folds `StepTime`s in; returns `(step, {tag: value})` points.

        `final`: the call is over; a block being decimated is written now,
        and the call's per-sample point if it has none yet.
        """
        return list(self.add_rows(times, final))

    def add_rows(self, times, final=False):
        """`add` of a list of `StepTime`s or a `StepBlock`; the points as
        `points.PointRows` (plain steps as columns, for the writer)."""
        block = times if isinstance(times, StepBlock) else StepBlock(times)
        # Python's floats overflow to inf without a word: so do these.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._add_block(block, final)

    def fold(self, times):
        """Folds `StepTime`s into the statistics and makes no points: for a
        reader of points already written (the report).

        >>> from keras_timing.analysis.steps import StepTime
        >>> s = RunStats("predict"); s.fold([StepTime(1, 4, 2.0, 0.0, 0.0)])
        >>> s.steps
        4
        """
        with np.errstate(over="ignore", invalid="ignore"):
            self._fold(StepBlock(times))

    def _add_block(self, block, final):
        self._fold(block)
        out, decimator, at = PointRows(), self._decimator, 0
        for i in block.odd + [len(block)]:
            for p in decimator.push_plain(block, at, i):
                if isinstance(p, range):
                    self._plain(block, p, out)
                else:
                    out.append(*self._point(p))
            if i < len(block):
                for p in decimator.push(block.times[i]):
                    out.append(*self._point(p))
            at = i + 1
        if final:
            for p in decimator.flush():
                out.append(*self._point(p))
            if not self._band_in_call and self._band and len(out):
                self._add_band(out.last())
            self._band_in_call = False
        return out

    def add_call(self, call_ms, outside_ms, data_end_ms=0.0, workers=0):
        """A call's ms: wall, outside steps, data epoch ends; data workers."""
        self.calls += 1
        self.call_total_ms += call_ms
        self.outside_total_ms += outside_ms
        self.data_epoch["data_epoch_end_ms"] += data_end_ms
        self.data_epoch["data_workers"] = workers

    def _fold(self, block):
        """Exact statistics: every step counts, decimated or not. Plain
        counted steps are folded in bulk, a pass at a time
        (`bulk.fold_counted`); the odd ones (`StepBlock.odd`) one by one."""
        times, notes, counted, at = block.times, self.pass_notes, [], 0
        self.steps += int(block.steps.sum())
        self.unknown_batch_size = self.unknown_batch_size or block.unsized
        for i in block.odd + [len(block)]:
            if at < i:
                counted.append(np.arange(at, i))
                n = int(block.steps[at:i].sum())
                self.warmup_steps += n if self.passes <= 1 else 0
                if not notes.opened:
                    # The run's first step opens its first pass.
                    notes.add(times[at])
                    n -= int(block.steps[at])
                notes.add_counted(n)
            if i == len(block):
                break
            at, t = i + 1, times[i]
            if t.opens:
                self._fold_counted(block, counted)
                counted = []
            n = t.last_step - t.first_step + 1
            self.passes += bool(t.opens)
            if self.passes <= 1:
                self.warmup_steps += n
            notes.add(t)
            if t.epoch_start_ms:
                self.epoch_start_total_ms += t.epoch_start_ms * n
            if t.kind is None:
                counted.append(np.array([i]))
            elif t.kind == StepKind.FIRST:
                self.first_batch_ms.append(t.batch_ms)
            elif t.kind == StepKind.RECOMPILE:
                self.recompile_ms.append(t.batch_ms)
            elif t.kind == StepKind.OVERLAP:
                # Its end was hidden by a later compile: not measurable,
                # used only where a run has no other step (see summary).
                self._overlapped.add(t)
            else:
                # StepKind.PROFILED, the last kind (`_point` refuses any
                # kind not a StepKind): the profiler's start, stop or
                # tracing is in its time.
                self.profiled_steps += n
        self._fold_counted(block, counted)

    def _fold_counted(self, block, counted):
        """Counted steps of one pass, in order (`bulk.fold_counted`)."""
        if counted:
            first = self.passes <= 1
            bulk.fold_counted(block, self.batch_ms,
                              self._first_pass if first else self._later,
                              self._first_sample if first
                              else self._later_sample, self._band,
                              np.concatenate(counted))

    def points(self, per_sample):
        """The counted points the figures are made of (warm-up left out as
        in `summary`), as `ratio.Points`: per sample or per step."""
        warm = not later_passes_stand(self._first_pass.steps,
                                      self._later.steps)
        sample = (self._first_sample.plus(self._later_sample) if warm
                  else self._later_sample)
        return sample.points(per_sample)

    @staticmethod
    def _shares(tot, busy):
        """Each step figure's `share` field: its sum over the counted
        steps' whole time (`figures.STEP_FIGURES`); NaN for a measured
        figure no counted step measured (no meter on this backend), 0 for
        a part no counted step had whose whole was measured."""
        sums = {INPUT_WAIT.name: tot.wait_ms, BATCH.name: tot.batch_ms}
        sums.update(tot.measured)
        sums.update((f.name, 0.0) for f in STEP_FIGURES
                    if f.part_of in sums and f.name not in sums)
        return {f.share: sums[f.name] / busy
                if busy > 0 and f.name in sums else math.nan
                for f in STEP_FIGURES if f.share}

    def summary(self):
        """The figures of the console and text summaries, as a dict."""
        warm = not later_passes_stand(self._first_pass.steps,
                                      self._later.steps)
        tot = self._first_pass.plus(self._later) if warm else self._later
        if not tot.steps:
            # Every step was hidden by a compile (a short JAX call): their
            # sums are the best there are.
            tot = self._overlapped
        busy = tot.batch_ms + tot.wait_ms
        counted, samples, sampled_ms = tot.steps, tot.samples, tot.sampled_ms
        rate = (samples * 1e3 / sampled_ms if sampled_ms > 0 and samples
                else math.nan)
        flops = (rate * self.flops_per_sample if self.flops_per_sample
                 else math.nan)
        return {
            "run": self.name,
            "steps": self.steps,
            "p50_ms": self.batch_ms.quantile(0.5),
            "p90_ms": self.batch_ms.quantile(0.9),
            "p99_ms": self.batch_ms.quantile(0.99),
            "mean_ms": self.batch_ms.mean,
            "first_batch_ms": (self.first_batch_ms[-1]
                               if self.first_batch_ms else math.nan),
            "recompiles": len(self.recompile_ms),
            **self.call_load.fields(),
            **self.samples.fields(),
            "recompile_ms": sum(self.recompile_ms),
            "warmup_steps": 0 if warm else self.warmup_steps,
            "profiled_steps": self.profiled_steps,
            **self._shares(tot, busy),
            "samples_per_sec": rate,
            "ms_per_sample": sampled_ms / samples if samples else math.nan,
            "ms_per_step": busy / counted if counted else math.nan,
            "epoch_start_ms": self.epoch_start_total_ms,
            "call_ms": self.call_total_ms,
            "outside_steps_ms": self.outside_total_ms,
            **self.data_epoch,
            "flops_per_sample": self.flops_per_sample or math.nan,
            "tflops_per_sec": flops / 1e12,
            "mfu": flops / self.peak_flops if self.peak_flops else math.nan,
            "peak_memory_mb": (math.nan if self.peak_memory_mb is None
                               else self.peak_memory_mb),
            "peak_label": self.peak_label,
        }
