"""The figures the verdict's rules read, from one run's summary, and the
thresholds they read them against (`verdict.RULES` writes each into its row
of the README's table).

Why these thresholds: a wait under INPUT_WAIT_MS per step is the loop's own
Python; Keras's fixed per-step overhead is 0.1-1 ms on a CPU
(FIXED_STEP_MS), up to HOST_STEP_MS loaded; MFU alone cannot tell compute
from host, FLOPs at peak can (1000-fold apart for the article's CNN and
dense model).

>>> f = Figures({"run": "train", "ms_per_step": 4.0, "p50_ms": 4.0,
...              "fetch_share": 0.5, "steps": 10}, None, True)
>>> f.reading, f.read_ms, f.bound()
(0.5, 20.0, '3 ms')
"""

from __future__ import annotations

import math
from functools import partial

from keras_timing import schema
from keras_timing.analysis.summary import figure
from keras_timing.analysis.summary import percent

COMPILE_SHARE = 0.5
VALIDATION_SHARE = 0.3
INPUT_WAIT_SHARE = 0.1
INPUT_WAIT_MS = 1.0
COMPUTE_MFU = 0.2
TINY_FLOPS_MS = 0.05
FIXED_STEP_MS = 1.0
HOST_STEP_MS = 3.0

BOUNDS = ("input", "host", "compute", "compile", "validation")


# The verdicts' percentages: whole from 1% up, two significant digits below.
_pct = partial(percent, spec=None)


class Figures:
    """The figures the rules read, from one run's summary.

    Args:
        s: The run's summary dict.
        summaries: All runs of the launch (a train run's validation run
            is read there), or None.
        data_in_step: Whether the backend reads the batch inside the step
            (None: unknown, taken as True).
        capture: A profiler capture of the run, or None.
    """

    def __init__(self, s, summaries, data_in_step, capture=None):
        def get(key):  # NaN where missing
            return float(figure(s, key))
        self.run = s.get("run") or ""
        self.call = get("call_ms")
        self.compiling = sum(0.0 if math.isnan(get(k)) else get(k)
                             for k in ("first_batch_ms", "recompile_ms"))
        self.recompiles = int(get("recompiles") if get("recompiles") > 0
                              else 0)
        self.validation = float(figure(_validation_run(s, summaries),
                                       "call_ms"))
        self.step, self.p50 = get("ms_per_step"), get("p50_ms")
        self.wait, self.fetch = (0.0 if math.isnan(get(k)) else get(k)
                                 for k in ("input_wait_share", "fetch_share"))
        self.reading = self.wait + self.fetch
        # The run's data read in its steps, ms in all, where it is a read
        # (at least INPUT_WAIT_MS per step; below, the loop's own Python).
        read, steps = self.reading * self.step, get("steps")
        self.read_ms = (read * steps if read >= INPUT_WAIT_MS and steps > 0
                        else 0.0)
        self.get = get
        self.mfu = get("mfu")
        self.at_peak = self.mfu * self.step
        self.data_in_step, self.capture = data_in_step is not False, capture
        # Busy machine: the fixed per-step work stretches by the load.
        load = get("load_per_core")
        self.load = load if get("busy_calls") > 0 and load > 1 else 1.0
        self.host_ms = max(HOST_STEP_MS, FIXED_STEP_MS * self.load)

    def bound(self):  # the host bound in words
        return "%.3g ms" % self.host_ms + ("" if self.host_ms == HOST_STEP_MS
                                          else ": %g ms x the load per core"
                                          % FIXED_STEP_MS)

    def flops(self):  # what the FLOPs say, quoted by the step rules
        return ("%s of peak; its FLOPs need %.2g ms of the %.3g ms mean step"
                % (_pct(self.mfu), self.at_peak, self.step))

    def reads(self):  # input wait, and the read in the step if measured
        text = "input wait %s" % _pct(self.wait)
        if self.fetch > 0:
            text += " + data read in step %s" % _pct(self.fetch)
        return text


def _validation_run(s, summaries):
    """A train run's validation run (`train_x` -> `validation_x`), or None."""
    name = s.get("run") or ""
    if not summaries or schema.base_run(name) != schema.TRAIN:
        return None
    return summaries.get(schema.VALIDATION + name[len(schema.TRAIN):])
