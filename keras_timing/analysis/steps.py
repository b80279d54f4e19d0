"""Step records: one hook call's timing and what kind of step it was.

A step is counted (its `kind` is None) unless it is one of the `StepKind`s,
which are written under their own tag and left out of every figure.
"""

import enum
from dataclasses import dataclass

from keras_timing import schema

# The samples of a step that ended an epoch of unknown length: its batch
# may be partial, its size unknown (left out of per-sample figures).
UNKNOWN_SAMPLES = -1


class StepKind(str, enum.Enum):
    """A step left out of the figures, and why. A `str` so that the kinds
    compare equal to their names (event files and tests use the names).

    >>> StepKind.FIRST == "first", StepKind("overlap").tag
    (True, 'timing/overlap_ms')
    """

    FIRST = "first"          # a call's first step: tracing, compilation
    RECOMPILE = "recompile"  # a step that compiled again
    OVERLAP = "overlap"      # its end hook was held by a later compile
    PROFILED = "profiled"    # held a profiler start or stop, or was traced

    def __str__(self):
        return self.value

    def __repr__(self):
        # Shown as its name in lists and doctests, as the event files hold it.
        return repr(self.value)

    @property
    def tag(self):
        """The scalar tag its steps are written under."""
        return _TAGS[self]

    @property
    def compiled(self):
        """Whether the step itself compiled (its time holds the compile)."""
        return self in (StepKind.FIRST, StepKind.RECOMPILE)


_TAGS = {
    StepKind.FIRST: schema.FIRST_BATCH_MS,
    StepKind.RECOMPILE: schema.RECOMPILE_MS,
    StepKind.OVERLAP: schema.OVERLAP_MS,
    StepKind.PROFILED: schema.PROFILED_MS,
}


@dataclass(slots=True)
class StepTime:
    """One hook call's timing; with `steps_per_execution=k` it spans k steps.

    `batch_ms`, `input_wait_ms` and `epoch_start_ms` are per step (the
    call's time divided by the steps it ran). `kind`: None for a counted
    step, else a `StepKind`. `opens`: the first step after an anchor (an
    epoch's or a call's begin). `values`: the measured step figures
    (`figures.MEASURED`) by name, per step, or None.
    """

    first_step: int
    last_step: int
    batch_ms: float
    input_wait_ms: float
    end_time: float
    kind: object = None
    samples: object = None
    epoch_start_ms: float = 0.0
    run: object = None
    call: int = 0
    opens: bool = False
    values: dict | None = None

    @property
    def steps(self):
        return self.last_step - self.first_step + 1

    @property
    def is_first(self):
        return self.kind == StepKind.FIRST

    @property
    def interval_ms(self):
        """The whole step, batch plus input wait, for all its steps."""
        return (self.batch_ms + self.input_wait_ms) * self.steps
