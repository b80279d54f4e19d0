"""Why a run is slow: one verdict per run, from its summary figures alone.

A pure function of the end-of-call summary dicts (`RunStats.summary()`, or
the `timing_summary/<field>` scalars read back): no Keras, no framework. The
rules are `RULES`, applied in that order; the first that holds wins. Each
rule's `when` is the README's table row ("Why is it slow?"), written from
the thresholds of `verdict_figures` (why each: there), and a test checks
that the README says the same. A compile-bound run also gets `steady`: its
counted steps' verdict.

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

from keras_timing.analysis.advice import EPOCH_END_MS
from keras_timing.analysis.advice import EPOCH_END_SHARE
from keras_timing.analysis.advice import advice
from keras_timing.analysis.advice import epoch_end
from keras_timing.analysis.advice import epoch_start
from keras_timing.analysis.summary import figure
from keras_timing.analysis.verdict_figures import BOUNDS  # noqa: F401
from keras_timing.analysis.verdict_figures import COMPILE_SHARE
from keras_timing.analysis.verdict_figures import COMPUTE_MFU
from keras_timing.analysis.verdict_figures import FIXED_STEP_MS
from keras_timing.analysis.verdict_figures import HOST_STEP_MS
from keras_timing.analysis.verdict_figures import INPUT_WAIT_MS
from keras_timing.analysis.verdict_figures import INPUT_WAIT_SHARE
from keras_timing.analysis.verdict_figures import TINY_FLOPS_MS
from keras_timing.analysis.verdict_figures import VALIDATION_SHARE
from keras_timing.analysis.verdict_figures import Figures
from keras_timing.analysis.verdict_figures import _pct


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


def _data_epochs(f):
    if stall := epoch_end(f.get, f.read_ms, f.run):
        return "measured: " + stall["why"]


def _data_epoch_tips(f):  # for the dataset and the run's loop
    return epoch_end(f.get, f.read_ms, f.run)["advice"]


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
    tips: Callable[[Figures], list] | None = None  # else `advice(bound)`


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
    Rule("input", "measured: the data adapter's epoch ends (`data_epoch_end_"
         "ms`: Keras stopping a `PyDataset`'s workers; >= %.3g ms in all) + "
         "the data read in the steps where >= %.3g ms per step hold >= %s of "
         "the calls' wall time (`call_ms`)" % (
             EPOCH_END_MS, INPUT_WAIT_MS, _pct(EPOCH_END_SHARE)),
         _data_epochs, _data_epoch_tips),
    Rule("host", "no FLOPs counted (`mfu` unknown) and the median step <= "
         "%.3g ms (on a busy machine, or %.3g ms x its load per core if more;"
         " as in rules 7, 10 and 12)" % (HOST_STEP_MS, FIXED_STEP_MS),
         _unknown_flops),
    Rule("compute", "no FLOPs counted and the median step > %.3g ms"
         % HOST_STEP_MS, partial(_unknown_flops, bound="compute")),
    Rule("compute", "the step's FLOPs at the device's peak (`mfu` x mean "
         "step) need >= %.3g ms, or `mfu` >= %s" % (FIXED_STEP_MS,
                                                  _pct(COMPUTE_MFU)), _compute),
    Rule("host", "its FLOPs need < %.3g ms and the data read was measured "
         "(torch reads before the step; `fetch_share` > 0) and is below rules "
         "4 and 5" % TINY_FLOPS_MS, _host_measured),
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
        "why", "advice"}` (see `advice.epoch_start`), and where the data
        adapter's epoch ends do and no rule said so, `"epoch_end"` (see
        `advice.epoch_end`).
    """
    f = Figures(run_summary or {}, summaries, data_in_step, capture)
    rule, result = _first(RULES, f, data_in_step)
    steady = None
    if result["bound"] == "compile":
        steady, result["steady"] = _first(STEADY, f, data_in_step)
    if stall := epoch_start(lambda key: float(figure(run_summary, key))):
        result["epoch_start"] = stall
    said = (rule.why, getattr(steady, "why", None))
    if _data_epochs not in said and (stall := epoch_end(f.get, run=f.run)):
        result["epoch_end"] = stall
    return result


def _first(rules, f, data_in_step):  # the last rule always holds
    rule, why = next((r, w) for r in rules if (w := r.why(f)) is not None)
    tips = rule.tips(f) if rule.tips else advice(rule.bound, f.run,
                                                 data_in_step)
    return rule, {"bound": rule.bound, "why": why,
                  "advice": tips if rule.bound else []}


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
    for note in ("epoch_start", "epoch_end"):
        if stall := result.get(note):
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
