"""Every figure declared once: its tag, unit, aggregation and words.

A **step figure** is measured at every step and written at the step's point:
`batch_ms` and `input_wait_ms` come from the clock (attributes of
`StepTime`); a *measured* one (`measured=True`) comes from a meter the
backend runs during the step and rides in `StepTime.values`. Each is summed
over the counted steps (first steps, recompiles, overlap, profiled steps and
warm-up left out), and where it has a `share` field the summary gives that
sum over the counted steps' whole time (batch + input wait).

What reads the declarations: `stats.RunStats` (points, totals, the share
fields), `decimator.Decimator` (merged blocks keep every step figure),
`summary` (the console line), the timer's summary scalars
(`SUMMARY_FIELDS`) and the report's rebuild of steps from event files. To
add a per-step figure: one `StepFigure` in `STEP_FIGURES` and its meter in
each `profiling/backends/*.py`; nothing else changes.

>>> [f.tag for f in STEP_FIGURES][:2]
['timing/batch_ms', 'timing/input_wait_ms']
>>> INPUT_WAIT.share in SUMMARY_FIELDS
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from keras_timing import schema

if TYPE_CHECKING:  # steps.py imports nothing from here; types only
    from keras_timing.analysis.steps import StepTime


@dataclass(frozen=True)
class StepFigure:
    """A figure of every step, summed over the counted steps.

    Args:
        name: The `StepTime` attribute (clock figures) or the key in
            `StepTime.values` (measured figures); per step, in `unit`.
        tag: The scalar tag of its per-step points.
        unit: Its unit.
        label: Its words in the summary ("input wait").
        share: The summary field of its sum over the counted steps'
            whole time, or None.
        inside_batch: Part of `batch_ms` (so step totals do not change
            when it is added), else beside it.
        measured: Read from a backend's meter, not from the clock.
        part_of: The measured figure it is a part of, or None. Its meter
            gives it only on the steps where it is not zero, so that most
            steps write no point of it; where its whole was measured and it
            was not, it is zero (`stats.RunStats`: its share is 0, not
            "not measured").
    """

    name: str
    tag: str
    unit: str
    label: str
    share: str | None = None
    inside_batch: bool = True
    measured: bool = False
    part_of: str | None = None

    def of(self, t: StepTime) -> float:
        """Its per-step value in the `StepTime` `t` (0.0 if not measured).

        >>> from keras_timing.analysis.steps import StepTime
        >>> INPUT_WAIT.of(StepTime(1, 1, 2.0, 0.5, 0.0))
        0.5
        """
        if not self.measured:
            return getattr(t, self.name)
        values = t.values
        return values.get(self.name, 0.0) if values else 0.0


BATCH = StepFigure("batch_ms", schema.BATCH_MS, "ms", "batch")
INPUT_WAIT = StepFigure("input_wait_ms", schema.INPUT_WAIT_MS, "ms",
                        "input wait", share="input_wait_share",
                        inside_batch=False)
# The wait for the batch inside the step, where the backend reads it there
# through Python (profiling/backends: each framework's `step_meters`).
FETCH = StepFigure("fetch_ms", schema.FETCH_MS, "ms", "data read in step",
                   share="fetch_share", inside_batch=True, measured=True)
# The part of it that is the first read of each epoch (JAX): on an
# epoch's first step only (a point on every step would be one more record a
# step, nearly all zeros, for the writer thread to encode).
EPOCH_FETCH = StepFigure("epoch_fetch_ms", schema.EPOCH_FETCH_MS, "ms",
                         "first read of each epoch",
                         share="epoch_fetch_share", inside_batch=True,
                         measured=True, part_of=FETCH.name)
STEP_FIGURES: tuple[StepFigure, ...] = (BATCH, INPUT_WAIT, FETCH,
                                        EPOCH_FETCH)
# The step figures a backend's meter measures (StepTime.values).
MEASURED: tuple[StepFigure, ...] = tuple(
    f for f in STEP_FIGURES if f.measured)


@dataclass(frozen=True)
class SummaryField:
    """One field of a run's end-of-call summary (`RunStats.summary`),
    written as the scalar `timing_summary/<name>` and read back by the
    report.

    Args:
        name: The key in the summary dict and the report's JSON.
        unit: Its unit ("ms", "share", "count", ...).
        aggregate: How it comes from the steps: "count", "quantile",
            "mean", "last", "sum", "share" or "rate".
    """

    name: str
    unit: str
    aggregate: str


SUMMARY: tuple[SummaryField, ...] = (
    SummaryField("steps", "count", "count"),
    SummaryField("p50_ms", "ms", "quantile"),
    SummaryField("p90_ms", "ms", "quantile"),
    SummaryField("p99_ms", "ms", "quantile"),
    SummaryField("mean_ms", "ms", "mean"),
    SummaryField("first_batch_ms", "ms", "last"),
    SummaryField("samples_per_sec", "samples/s", "rate"),
    SummaryField("ms_per_sample", "ms", "rate"),
    SummaryField("ms_per_step", "ms", "rate"),
    SummaryField("recompiles", "count", "count"),
    SummaryField("recompile_ms", "ms", "sum"),
    SummaryField("epoch_start_ms", "ms", "sum"),
    SummaryField("call_ms", "ms", "sum"),
    SummaryField("outside_steps_ms", "ms", "sum"),
    # Outside the steps: Keras's data adapter's `on_epoch_end` (stopping a
    # `PyDataset`'s workers), and those workers (0: no enqueuer).
    SummaryField("data_epoch_end_ms", "ms", "sum"),
    SummaryField("data_workers", "count", "last"),
    SummaryField("flops_per_sample", "FLOP", "last"),
    SummaryField("tflops_per_sec", "TFLOP/s", "rate"),
    SummaryField("mfu", "share", "rate"),
    SummaryField("peak_memory_mb", "MB", "last"),
    SummaryField("data_in_step", "flag", "last"),
    SummaryField("warmup_steps", "count", "count"),
    SummaryField("profiled_steps", "count", "count"),
    # Calls begun or ended with the machine's load above the cores the
    # process may use, and the highest such load per core.
    SummaryField("busy_calls", "count", "count"),
    SummaryField("load_per_core", "load", "last"),
    # Whose samples the per-sample figures count: 1 every process's
    # (`samples_scope` "global"), 0 this process's ("process").
    SummaryField("samples_global", "flag", "last"),
    SummaryField("processes", "count", "last"),
) + tuple(SummaryField(f.share, "share", "share")
          for f in STEP_FIGURES if f.share)
SUMMARY_FIELDS: tuple[str, ...] = tuple(f.name for f in SUMMARY)
