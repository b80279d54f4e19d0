"""Why a run is slow: one verdict per run, from its summary figures alone.

A pure function of the end-of-call summary dicts (`RunStats.summary()`, or
the `timing_summary/<field>` scalars read back): no Keras, no framework. The
rules are `RULES`, applied in that order; the first that holds wins. Each
rule's `when` is the README's table row ("Why is it slow?"), written from
the constants below, and a test checks that the README says the same.

Why: a wait under INPUT_WAIT_MS per step is the loop's own Python; Keras's
fixed per-step overhead is 0.1-1 ms on a CPU (FIXED_STEP_MS), up to
HOST_STEP_MS loaded; MFU alone cannot tell compute from host, FLOPs at peak
can (1000-fold apart for the article's CNN and dense model). A
compile-bound run also gets `steady`: its counted steps' verdict.

>>> r = verdict({"run": "train", "call_ms": 1000.0, "first_batch_ms": 80.0,
...              "input_wait_share": 0.62, "p50_ms": 9.0,
...              "ms_per_step": 10.0, "mfu": 0.001})
>>> r["bound"], r["why"]
('input', 'measured: input wait 62% of step time, 6.2 ms per step (at least 10% and 1 ms)')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Callable

from keras_timing import schema
from keras_timing.analysis.advice import advice
from keras_timing.analysis.advice import epoch_start
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
    """The figures the rules read, from one run's summary."""

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


def _compile(f):
    if f.call > 0 and f.compiling / f.call >= COMPILE_SHARE:
        what = "first batch" + (" and %d recompile%s" % (
            f.recompiles, "s" * (f.recompiles > 1))
            if f.recompiles > 0 else "")
        return ("%s %.0f ms, %s of the %.0f ms the calls took (at least %s)"
                % (what, f.compiling, _pct(f.compiling / f.call), f.call,
                   _pct(COMPILE_SHARE)))


def _validation(f):
    if f.call > 0 and f.validation / f.call >= VALIDATION_SHARE:
        return "validation %.0f ms, %s of fit's %.0f ms (at least %s)" % (
            f.validation, _pct(f.validation / f.call), f.call,
            _pct(VALIDATION_SHARE))


def _no_steps(f):
    if math.isnan(f.step) or math.isnan(f.p50):
        return "no timed steps (first batches and recompiles are left out)"


def _input_measured(f):
    if f.reading >= INPUT_WAIT_SHARE and f.reading * f.step >= INPUT_WAIT_MS:
        return ("measured: %s of step time, %.3g ms per step (at least %s "
                "and %.3g ms)" % (f.reads(), f.reading * f.step,
                                  _pct(INPUT_WAIT_SHARE), INPUT_WAIT_MS))


def _unknown_flops(f, bound="host"):
    # A module-level function (the compute rule is a partial of it), so
    # that mutation testing reaches it: a closure built in RULES it cannot.
    if math.isnan(f.mfu) and (f.p50 <= f.host_ms) == (bound == "host"):
        return ("median step %.3g ms, %s %s; FLOPs not counted for this "
                "run, so the step time alone decides" % (
                    f.p50, "at most" if bound == "host" else "above",
                    f.bound()))


def _compute(f):
    if f.at_peak >= FIXED_STEP_MS or f.mfu >= COMPUTE_MFU:
        return "%s (at least %.3g ms, or %s of peak)" % (
            f.flops(), FIXED_STEP_MS, _pct(COMPUTE_MFU))


def _host_measured(f):
    measured = not f.data_in_step or f.fetch > 0
    if measured and f.at_peak < TINY_FLOPS_MS:
        return ("%s; median step %.3g ms: framework overhead, not data "
                "(%s, measured)" % (f.flops(), f.p50, f.reads()))


def _host(f):
    if f.p50 <= f.host_ms:
        return ("%s; median step %.3g ms, the size of Keras's fixed per-step "
                "overhead (at most %s)" % (f.flops(), f.p50, f.bound()))


def _slow_kernels(f):
    if f.at_peak >= TINY_FLOPS_MS:
        return ("%s; median step %.3g ms, above the fixed per-step overhead "
                "(%s): the compiled step's kernels run at a low "
                "efficiency" % (f.flops(), f.p50, f.bound()))


def _input_inferred(f):
    return ("inferred: %s; median step %.3g ms, above the fixed per-step "
            "overhead (%s) with %s: time inside the step that is "
            "neither FLOPs nor overhead, as when TensorFlow reads a tf.data "
            "pipeline inside its graph, where it is not timed. To measure it: "
            "the input-pipeline page of %s" % (
                f.flops(), f.p50, f.bound(), f.reads(), "the capture %s in "
                "TensorBoard's Profile tab" % f.capture if f.capture else "a "
                "capture in TensorBoard's Profile tab (FitPredictTimer("
                "profile_steps=(10, 15)))"))


@dataclass(frozen=True)
class Rule:
    """One row of the verdict table."""

    bound: str | None  # the verdict it gives (None: no verdict)
    when: str  # when it holds, in words, its thresholds written in
    why: Callable[[Figures], str | None]  # None where it does not hold


RULES: tuple[Rule, ...] = (
    Rule("compile", "the last call's first batch + all recompiles >= %s of "
         "the run's calls' wall time (`call_ms`)" % _pct(COMPILE_SHARE),
         _compile),
    Rule("validation", "train runs: the validation run's `call_ms` >= %s of "
         "fit's (which holds it)" % _pct(VALIDATION_SHARE), _validation),
    Rule(None, "no counted steps (every step a first batch, a recompile or "
         "left out)", _no_steps),
    Rule("input", "measured: input wait + data read in the step (`fetch_"
         "share`) >= %s of step time and >= %.3g ms per step"
         % (_pct(INPUT_WAIT_SHARE), INPUT_WAIT_MS), _input_measured),
    Rule("host", "no FLOPs counted (`mfu` unknown) and the median step <= "
         "%.3g ms (on a busy machine, or %.3g ms x its load per core if more;"
         " as in rules 6, 9 and 11)" % (HOST_STEP_MS, FIXED_STEP_MS),
         _unknown_flops),
    Rule("compute", "no FLOPs counted and the median step > %.3g ms"
         % HOST_STEP_MS, partial(_unknown_flops, bound="compute")),
    Rule("compute", "the step's FLOPs at the device's peak (`mfu` x mean "
         "step) need >= %.3g ms, or `mfu` >= %s" % (FIXED_STEP_MS,
                                                  _pct(COMPUTE_MFU)), _compute),
    Rule("host", "its FLOPs need < %.3g ms and the data read was measured "
         "(torch reads before the step; `fetch_share` > 0) and is below rule "
         "4" % TINY_FLOPS_MS, _host_measured),
    Rule("host", "the median step <= %.3g ms (Keras's fixed per-step "
         "overhead)" % HOST_STEP_MS, _host),
    Rule("compute", "the FLOPs need >= %.3g ms: kernels at a low efficiency"
         % TINY_FLOPS_MS, _slow_kernels),
    Rule("input", "inferred, otherwise: a median step > %.3g ms whose FLOPs "
         "need < %.3g ms, its read not measured (TensorFlow's `tf.data` and "
         "arrays are read in its graph); the why names the Profile tab's "
         "input-pipeline page" % (HOST_STEP_MS, TINY_FLOPS_MS),
         _input_inferred),
)
STEADY = RULES[2:]  # the counted steps' rules: a compile verdict's steady


def verdict(run_summary: dict | None, summaries: dict | None = None,
            data_in_step: bool | None = None,
            capture: str | None = None) -> dict:
    """Which part bounds one run, why (with its figures), and what to try.

    Args:
        run_summary: One run's summary dict (`RunStats.summary()` or the
            report's), with at least `run`.
        summaries: All runs of the launch, `{run folder: summary}`; the
            train run's `validation` verdict reads its validation run here.
        data_in_step: Whether the backend reads the batch inside the timed
            step (TensorFlow, JAX: True; torch: False); None if unknown
            (treated as True).
        capture: A profiler capture of the run (its trace's path), named
            as where an inferred verdict can be measured.

    Returns:
        `{"bound": one of BOUNDS or None, "why": str, "advice": [str]}`;
        `bound` is None when the run has no timed steps. A compile-bound
        run also has `"steady"`: the same three keys for its counted steps;
        where epoch starts hold much of the run, `"epoch_start"`: `{"share",
        "why", "advice"}` (see `advice.epoch_start`).
    """
    f = Figures(run_summary or {}, summaries, data_in_step, capture)
    result = _first(RULES, f, data_in_step)
    if result["bound"] == "compile":
        result["steady"] = _first(STEADY, f, data_in_step)
    if stall := epoch_start(lambda key: float(figure(run_summary, key))):
        result["epoch_start"] = stall
    return result


def _first(rules, f, data_in_step):  # the last rule always holds
    rule, why = next((r, w) for r in rules if (w := r.why(f)) is not None)
    return {"bound": rule.bound, "why": why, "advice": advice(
        rule.bound, f.run, data_in_step) if rule.bound else []}


def _validation_run(s, summaries):
    """A train run's validation run (`train_x` -> `validation_x`), or None."""
    name = s.get("run") or ""
    if not summaries or schema.base_run(name) != schema.TRAIN:
        return None
    return summaries.get(schema.VALIDATION + name[len(schema.TRAIN):])


def line(run: str, result: dict) -> str:
    """The verdict as one line of text (and the steady state behind a
    compile).

    >>> line("train", {"bound": "host", "why": "median step 0.6 ms",
    ...                "advice": ["try X"]})
    'train: host-bound: median step 0.6 ms; try: try X'
    >>> line("train", {"bound": "compile", "why": "first batch 90%",
    ...     "advice": ["A"], "steady": {"bound": "host", "why": "p50 0.3"}})
    'train: compile-bound: first batch 90%; once compiled: host-bound: p50 0.3; try: A'
    """
    if result["bound"] is None:
        return "%s: no verdict: %s" % (run, result["why"])
    text = "%s: %s-bound: %s" % (run, result["bound"], result["why"])
    steady = result.get("steady")
    if steady and steady["bound"]:
        text += "; once compiled: %s-bound: %s" % (steady["bound"],
                                                   steady["why"])
    if result["advice"]:
        text += "; try: " + result["advice"][0]
    if stall := result.get("epoch_start"):
        text += "; %s; try: %s" % (stall["why"], stall["advice"][0])
    return text


def table() -> str:
    """The rules as the README's Markdown table, in the order they apply.

    >>> table().splitlines()[2].startswith("| 1 | `compile` | ")
    True
    """
    out = ["| # | verdict | when (the first rule that holds wins) |",
           "|---|---|---|"]
    for i, rule in enumerate(RULES, 1):
        out.append("| %d | %s | %s |" % (
            i, "`%s`" % rule.bound if rule.bound else "no verdict",
            rule.when))
    return "\n".join(out)
