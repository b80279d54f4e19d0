"""Why a run is slow: one verdict per run, from its summary figures alone.

A pure function of the end-of-call summary dicts (`RunStats.summary()`, or
the `timing_summary/<field>` scalars read back): no Keras, no framework. The
first rule that holds wins, in this order:

- `compile`: the last call's first batch plus every recompile hold at least
  COMPILE_SHARE (50%) of the run's wall time (`call_ms`).
- `validation` (train runs only): the validation run's `call_ms` is at least
  VALIDATION_SHARE (30%) of fit's `call_ms` (which includes validation).
- `input`, measured: the input wait is at least INPUT_WAIT_SHARE (10%) of the
  step time and at least INPUT_WAIT_MS (1 ms) per step. This is where the
  data is read before the step's begin hook (torch, other callbacks, Python
  between steps); a wait under 1 ms per step is the size of the loop's own
  Python between steps (a 0.2 ms JAX step waits 10% under load).
- `compute`: the step's FLOPs at the device's peak (`mfu * ms_per_step`)
  need at least FIXED_STEP_MS (1 ms) per step, more than Keras's fixed
  per-step overhead (0.1-1 ms), or at least COMPUTE_MFU (20%) of the step.
  MFU alone cannot tell: the article's CNN at batch 256 (compute-bound)
  reached 0.9-5% of the CPU's matmul peak on JAX and torch, while the peak
  measured on a CPU moves enough that the host-bound dense step read 0.3-2%
  on JAX; their FLOPs at peak differ 1000-fold (3-7 ms against 0.002 ms).
- `host`: the FLOPs need less than that and the median step (`p50_ms`) is
  at most HOST_STEP_MS (3 ms): the size of the fixed overhead of Keras's
  loop around the compiled step.
- `input`, inferred: the FLOPs need under TINY_FLOPS_MS (0.05 ms) per step,
  yet the median step is above HOST_STEP_MS. On TensorFlow and JAX, Keras
  reads a `PyDataset` or generator inside the step, so input wait cannot
  show it; the time then sits in `batch_ms`, neither FLOPs nor fixed
  overhead. The `why` says it is inferred. With `data_in_step=False`
  (torch: the batch is read before the step, so input shows as input wait)
  such a step is `host`: eager per-op overhead, which a busy CPU inflates
  (the dense model's ~1 ms torch step read 25-33 ms with other processes
  on both cores).
- `compute` otherwise: a step above HOST_STEP_MS whose FLOPs need 0.05-1 ms
  runs its kernels at a low efficiency (a small batch of convolutions).
- Without `mfu` (no FLOPs counted: validation and evaluate runs, a device
  with no known peak): `host` when the median step is at most HOST_STEP_MS,
  else `compute`; the `why` says the FLOPs were not known.

The `why` quotes the figures; `advice` names changes, measurable with
`keras-timing explain MODEL --try ...` where `explain` can try them.
"""

import math

from keras_timing import schema
from keras_timing.analysis.summary import figure

COMPILE_SHARE = 0.5
VALIDATION_SHARE = 0.3
INPUT_WAIT_SHARE = 0.1
INPUT_WAIT_MS = 1.0
COMPUTE_MFU = 0.2
TINY_FLOPS_MS = 0.05
FIXED_STEP_MS = 1.0
HOST_STEP_MS = 3.0

BOUNDS = ("input", "host", "compute", "compile", "validation")

ADVICE = {
    "input": [
        "prefetch batches while the step runs: `dataset.prefetch("
        "tf.data.AUTOTUNE)`, or a `PyDataset(workers=4, "
        "use_multiprocessing=True)`",
        "read in parallel (`.map(f, num_parallel_calls=tf.data.AUTOTUNE)`) "
        "and cache what every epoch reads again (`dataset.cache()`)",
        "measure: time the run again and compare its input wait and ms per "
        "sample (`keras-timing report LOGDIR`)",
    ],
    "host": [
        "run several steps per call and give each step more work: "
        "`keras-timing explain model.keras --try steps_per_execution=8 "
        "--try batch_size=128`",
        "compile the step where it is not: `keras-timing explain "
        "model.keras --try jit_compile=true`",
    ],
    "compute": [
        "compile the step with XLA: `keras-timing explain model.keras "
        "--try jit_compile=true`",
        "on a GPU, mixed precision: `keras.mixed_precision."
        "set_global_policy(\"mixed_float16\")`",
        "a larger batch keeps the device busier: `keras-timing explain "
        "model.keras --try batch_size=128`",
    ],
    "compile": [
        "fixed shapes: a sample count divisible by batch_size, or "
        "`drop_remainder=True`, so the last partial batch does not compile "
        "again; the same input shapes in every call",
        "longer runs spread the first batch's compilation over more steps",
    ],
    "validation": [
        "validate less often (`fit(..., validation_freq=5)`), on fewer "
        "samples, or with a larger `validation_batch_size`",
    ],
}


def _get(summary, key):
    return float(figure(summary, key))


def _pct(share):
    return "%.0f%%" % (100 * share) if share >= 0.01 else "%.2g%%" % (
        100 * share)


def verdict(run_summary, summaries=None, data_in_step=None):
    """Which part bounds one run, why (with its figures), and what to try.

    Args:
        run_summary: One run's summary dict (`RunStats.summary()` or the
            report's), with at least `run`.
        summaries: All runs of the launch, `{run folder: summary}`; the
            train run's `validation` verdict reads its validation run here.
        data_in_step: Whether the backend reads the batch inside the timed
            step (TensorFlow, JAX: True; torch: False); None if unknown
            (treated as True, and the `why` says "inferred").

    Returns:
        `{"bound": one of BOUNDS or None, "why": str, "advice": [str]}`;
        `bound` is None when the run has no timed steps.

    >>> verdict({"run": "train", "call_ms": 1000.0, "first_batch_ms": 80.0,
    ...          "input_wait_share": 0.62, "p50_ms": 9.0, "ms_per_step": 10.0,
    ...          "mfu": 0.001})["why"]
    'input wait 62% of step time, 6.2 ms per step (at least 10% and 1 ms)'
    """
    s = run_summary or {}
    call = _get(s, "call_ms")
    compiling = (0.0 if math.isnan(_get(s, "first_batch_ms"))
                 else _get(s, "first_batch_ms"))
    compiling += 0.0 if math.isnan(_get(s, "recompile_ms")) else _get(
        s, "recompile_ms")
    if call > 0 and compiling / call >= COMPILE_SHARE:
        count = int(_get(s, "recompiles") or 0)
        what = "first batch" + (" and %d recompile%s" % (
            count, "s" * (count > 1)) if count > 0 else "")
        return _result("compile", "%s %.0f ms, %s of the %.0f ms the calls "
                       "took (at least %s)" % (
                           what, compiling, _pct(compiling / call), call,
                           _pct(COMPILE_SHARE)))
    validation = _validation_run(s, summaries)
    val_ms = _get(validation, "call_ms")
    if call > 0 and val_ms / call >= VALIDATION_SHARE:
        return _result("validation", "validation %.0f ms, %s of fit's "
                       "%.0f ms (at least %s)" % (
                           val_ms, _pct(val_ms / call), call,
                           _pct(VALIDATION_SHARE)))
    step, p50 = _get(s, "ms_per_step"), _get(s, "p50_ms")
    if math.isnan(step) or math.isnan(p50):
        return {"bound": None, "why": "no timed steps (first batches and "
                "recompiles are left out)", "advice": []}
    wait = _get(s, "input_wait_share")
    if wait >= INPUT_WAIT_SHARE and wait * step >= INPUT_WAIT_MS:
        return _result("input", "input wait %s of step time, %.3g ms per "
                       "step (at least %s and %.3g ms)" % (
                           _pct(wait), wait * step, _pct(INPUT_WAIT_SHARE),
                           INPUT_WAIT_MS))
    return _step_bound(s, step, p50, data_in_step is not False)


def _step_bound(s, step, p50, data_in_step):
    """host, compute or inferred input, from the FLOPs and the step time."""
    mfu = _get(s, "mfu")
    wait = 0.0 if math.isnan(_get(s, "input_wait_share")) else _get(
        s, "input_wait_share")
    if math.isnan(mfu):
        bound = "host" if p50 <= HOST_STEP_MS else "compute"
        return _result(bound, "median step %.3g ms, %s %.3g ms; FLOPs not "
                       "counted for this run, so the step time alone "
                       "decides" % (p50, "at most" if bound == "host"
                                    else "above", HOST_STEP_MS))
    at_peak = mfu * step
    figures = ("%s of peak; its FLOPs need %.2g ms of the %.3g ms step"
               % (_pct(mfu), at_peak, step))
    if at_peak >= FIXED_STEP_MS or mfu >= COMPUTE_MFU:
        return _result("compute", "%s (at least %.3g ms, or %s of peak)"
                       % (figures, FIXED_STEP_MS, _pct(COMPUTE_MFU)))
    if not data_in_step and at_peak < TINY_FLOPS_MS:
        return _result("host", "%s; median step %.3g ms: framework overhead "
                       "of eager ops (the batch is read before the step, "
                       "and input wait is %s)" % (figures, p50, _pct(wait)))
    if p50 <= HOST_STEP_MS:
        return _result("host", "%s; median step %.3g ms, the size of "
                       "Keras's fixed per-step overhead (at most %.3g ms)"
                       % (figures, p50, HOST_STEP_MS))
    if at_peak >= TINY_FLOPS_MS:
        return _result("compute", "%s; median step %.3g ms, above the "
                       "fixed per-step overhead (%.3g ms): the compiled "
                       "step's kernels run at a low efficiency"
                       % (figures, p50, HOST_STEP_MS))
    return _result("input", "inferred: %s; median step %.3g ms, above the "
                   "fixed per-step overhead (%.3g ms) with input wait %s: "
                   "time inside the step that is neither FLOPs nor "
                   "overhead, as when Keras reads a PyDataset or generator "
                   "inside the step (TensorFlow, JAX)"
                   % (figures, p50, HOST_STEP_MS, _pct(wait)))


def _validation_run(s, summaries):
    """The validation run of a train run (`train_encoder` ->
    `validation_encoder`), or None."""
    name = s.get("run") or ""
    if not summaries or schema.base_run(name) != schema.TRAIN:
        return None
    return summaries.get(schema.VALIDATION + name[len(schema.TRAIN):])


def _result(bound, why):
    return {"bound": bound, "why": why, "advice": list(ADVICE[bound])}


def line(run, result):
    """The verdict as one line of text.

    >>> line("train", {"bound": "host", "why": "median step 0.6 ms",
    ...                "advice": ["try X"]})
    'train: host-bound: median step 0.6 ms; try: try X'
    """
    if result["bound"] is None:
        return "%s: no verdict: %s" % (run, result["why"])
    text = "%s: %s-bound: %s" % (run, result["bound"], result["why"])
    if result["advice"]:
        text += "; try: " + result["advice"][0]
    return text
