"""explain: why is fit slower than predict, measured for one model.

A training step is cut into cumulative programs (forward; + loss; +
gradients; + optimizer; + metrics), each compiled the way `fit` compiles its
step (see `keras_timing.explanation.stages`). A stage's cost is its
program's median time minus the previous program's, so the stages add up
exactly to the last program, a whole training step; that sum is then
checked against the model's own `train_function`, timed the same way.
`predict` is the model's own `predict_function`. The programs run in a
shuffled order each round, so that drift on a busy machine hits them all
alike, and every call is timed until the device has finished it. A short
real `fit` with `FitPredictTimer` attached measures what lies outside the
step.

Example:

>>> from keras_timing.explanation.api import explain, Explanation
>>> explain("not a model", None)
Traceback (most recent call last):
...
ValueError: model must be a keras.Model, got str
"""

import math
import tempfile
from typing import Any
from typing import Optional
from typing import Sequence

import keras
from keras_timing import schema
from keras_timing.explanation import data as data_lib
from keras_timing.explanation import changes as changes_lib
from keras_timing.explanation import measure
from keras_timing.explanation import stages
from keras_timing.explanation import variants as variants_lib
# Re-exported: `keras_timing.Explanation` is loaded from here.
from keras_timing.explanation.result import ABSOLUTE_TOLERANCE_MS
from keras_timing.explanation.result import Explanation
from keras_timing.timer.callback import FitPredictTimer

__all__ = ["explain", "Explanation"]


def explain(model: "keras.Model", x: Any, y: Any = None,
            batch_size: Optional[int] = None, steps: int = 50,
            warmup: int = 3, fit_steps: int = 20, tolerance: float = 0.15,
            log_dir: Optional[str] = None, seed: int = 0,
            variants: Optional[Sequence[str]] = None) -> Explanation:
    """Measures where a training step of `model` goes, against predict.

    Args:
        model: A compiled `keras.Model` (its loss, optimizer, metrics,
            regularizers and `jit_compile` setting are what is measured).
        x: Inputs: arrays (or a list/dict of them), or a `tf.data.Dataset`,
            `keras.utils.PyDataset` or generator yielding `(x, y)` batches.
        y: Targets, with array `x`; None with a dataset or generator.
        batch_size: Samples per batch for arrays (default 32); not allowed
            with a dataset or generator, whose batches set it.
        steps: Timed rounds; each runs every program once.
        warmup: Untimed calls of each program first (compilation).
        fit_steps: Steps of the short real `fit` timed for what lies
            outside the step (rounded down to whole epochs when the arrays
            hold fewer batches; at most as many as a stream yields).
        tolerance: Relative tolerance of the sum check (with an absolute
            floor of `ABSOLUTE_TOLERANCE_MS`).
        log_dir: Where the `fit`'s `FitPredictTimer` writes its runs; a
            temporary folder, deleted afterwards, when None.
        seed: Seed of the per-round program order.
        variants: Changes to measure beside the model, e.g.
            `["steps_per_execution=8", "batch_size=128",
            "jit_compile=true"]` (see `changes.FORMS`): each runs on a
            recompiled clone, timed in the same rounds as an unchanged
            clone; the result's `variants` holds a row per change.

    Returns:
        An `Explanation`.

    The model takes `F + 3 * (warmup + steps)` optimizer steps, F being
    the short fit's: the optimizer program, the metrics program and the
    model's own `train_function` each train once per call. A model that
    overrides `train_step` gets no stages (which parts its code runs is
    unknown): its `train_function` is fed each batch as `fit` feeds it and
    timed whole against predict, `F + 1 * (warmup + steps)` steps, and the
    result's `no_stages` says why. The weights, optimizer and metric
    variables it had before are put back; the count is in the result's
    `notes`.

    Example:

    ```python
    model.compile(optimizer="adam", loss="mse")
    print(explain(model, x, y, batch_size=64))
    ```
    """
    _check_args(model, batch_size, steps, warmup, fit_steps, tolerance)
    changes = changes_lib.parse_all(variants, "variants")
    # A custom train_step reads what it wants of each batch (a VAE: x only).
    data = data_lib.Batches(x, y, batch_size, fit_steps,
                            targets=not stages.custom_step(model))
    if model.built and not model.trainable_weights:
        raise _no_weights(model)
    before = data_lib.snapshot(model)
    start = _iterations(model)
    try:
        fit_summary = _short_fit(model, data, fit_steps, log_dir)
        if not model.trainable_weights:
            raise _no_weights(model)
        # Clones first: they copy the weights before any program runs.
        trials = [variants_lib.Trial(model, data, v)
                  for v in ([None] + changes if changes else [])]
        programs = stages.programs(model)
        try:
            batches = [programs.to_device(b) for b in
                       data.batches[:data_lib.BATCHES_ON_DEVICE]]
            extra = {}
            for trial in trials:
                extra.update(trial.calls())
            cannot_predict = _cannot_predict(programs, batches[0])
            timed = measure.measure(programs, batches, steps, warmup, seed,
                                    extra, predict=not cannot_predict)
        finally:
            programs.finish()
            for trial in trials:
                trial.finish()
        trained = _iterations(model) - start
        flops = _flops(model, data.batches[0])
        created = len(data_lib.variables(model)) - len(before)
    finally:
        data_lib.restore(before)
    result = _explanation(model, programs, data, steps, tolerance, timed,
                          fit_summary)
    if cannot_predict:
        result.notes.append(cannot_predict)
    result.train_flops, result.predict_flops = flops
    if trials:
        result.variants_baseline, result.variants = variants_lib.rows(
            trials[0], trials[1:], timed)
        result.notes.append("Variants ran on clones of the model, each "
                            "recompiled with its change; the model itself "
                            "was not recompiled.")
    result.notes += _notes(result, trained, len(before), created)
    return result


def _check_args(model, batch_size, steps, warmup, fit_steps, tolerance):
    if not isinstance(model, keras.Model):
        raise ValueError("model must be a keras.Model, got %s"
                         % type(model).__name__)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError("model %r is not compiled: call model.compile("
                         "optimizer=..., loss=...) before explain"
                         % model.name)
    for name, value, least in (("batch_size", batch_size, 1),
                               ("steps", steps, 1), ("warmup", warmup, 1),
                               ("fit_steps", fit_steps, 2)):
        if value is None and name == "batch_size":
            continue
        if isinstance(value, bool) or not isinstance(value, int) \
                or value < least:
            raise ValueError("%s must be an int >= %d, got %r"
                             % (name, least, value))
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) \
            or not tolerance > 0:
        raise ValueError("tolerance must be a positive number, got %r"
                         % (tolerance,))


def _no_weights(model):
    return ValueError("model %r has no trainable weights: its training step "
                      "has no backward or optimizer stage" % model.name)


def _iterations(model):
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def _short_fit(model, data, fit_steps, log_dir):
    """The timer's train summary of a short `fit` (one step compiles)."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        timer = FitPredictTimer(log_dir=log_dir or tmp,
                                batch_size=data.batch_size, verbose=0)
        model.fit(callbacks=[timer], verbose=0, **data.fit_args(fit_steps))
        timer.flush()
        return timer.summaries().get(schema.TRAIN, {})


def _cannot_predict(programs, batch):
    """None, or why the model's own predict cannot run (a VAE-style model
    with its own `train_step` may define no `call`)."""
    if programs.no_stages is None:
        return None  # its stages call the model: predict runs too
    try:
        programs.sync(programs.predict_step(batch))
    except Exception as e:  # the user's model: say why, time the rest
        return ("The model's predict could not run (%s: %s), so there is "
                "no predict step and no ratio." % (
                    type(e).__name__, (str(e).strip().splitlines()
                                       or [""])[0][:200]))
    return None


def _flops(model, batch):
    """`(train, predict)` FLOPs of one step on `batch` (as `fit` feeds it)
    from the profiler's counter (None where the framework cannot tell)."""
    from keras_timing.profiling import backends

    counter = backends.get()
    return tuple(counter.flops(model, step_function, batch)
                 for step_function in ("train", "predict"))


def _notes(result, trained, restored, created):
    """What the reader should know besides the figures."""
    notes = []
    if result.sum_check_ok is False:
        notes.append(
            "The stage sum is %.3f ms off the model's own step, beyond the "
            "tolerance: the machine was busy, or the stage programs do not "
            "run what train_function runs (a custom train_step with other "
            "work?); more steps than %d narrow the figures."
            % (abs(result.train_step_ms - result.full_step_ms),
               result.steps))
    notes.append("explain trained the model for %d steps (a short fit and "
                 "the programs); its %d variables were put back as they "
                 "were." % (trained, restored))
    if created > 0:
        notes.append("%d variables did not exist before explain (the model "
                      "or optimizer was not built yet) and keep their "
                      "trained values." % created)
    return notes


def _explanation(model, programs, data, steps, tolerance, timed,
                 fit_summary):
    names = [name for name, _ in programs.stages]
    spans, merged = measure.split(names, timed, programs.merged)
    stage = {k: measure.figures(a, b, timed) for k, (a, b) in spans.items()}
    full_ms, full_p10, full_p90, full_ci = measure.figures(
        None, "train_function", timed)
    predict = (measure.figures(None, "predict_function", timed)
               if "predict_function" in timed else
               (math.nan,) * 3 + ((math.nan, math.nan),))
    # No stages (a custom train_step): the whole step is the model's own.
    train = (float(sum(f[0] for f in stage.values()))
             if stage else full_ms)
    tol_ms = max(tolerance * full_ms, ABSOLUTE_TOLERANCE_MS)
    fit_ms = float(fit_summary.get("p50_ms", math.nan))
    mean_ms = float(fit_summary.get("mean_ms", math.nan))
    share = float(fit_summary.get("input_wait_share", math.nan))
    # The timer gives the wait as a share of batch + wait time; per step
    # that is the mean batch time scaled by wait / batch.
    wait_ms = mean_ms * share / (1 - share) if share < 1 else math.nan
    return Explanation(
        model_name=model.name,
        backend=keras.backend.backend(),
        device=programs.device,
        jit_compile=bool(model.jit_compile and not model.run_eagerly),
        batch_size=data.batch_size,
        steps=steps,
        stages_ms={k: f[0] for k, f in stage.items()},
        stages_p10_ms={k: f[1] for k, f in stage.items()},
        stages_p90_ms={k: f[2] for k, f in stage.items()},
        stages_ci_ms={k: f[3] for k, f in stage.items()},
        merged=merged,
        train_step_ms=train,
        full_step_ms=full_ms,
        full_step_p10_ms=full_p10,
        full_step_p90_ms=full_p90,
        full_step_ci_ms=full_ci,
        tolerance=float(tolerance),
        tolerance_ms=tol_ms,
        sum_check_ok=(bool(abs(train - full_ms) <= tol_ms) if stage
                      else None),
        no_stages=programs.no_stages,
        predict_step_ms=predict[0],
        predict_step_p10_ms=predict[1],
        predict_step_p90_ms=predict[2],
        predict_step_ci_ms=predict[3],
        fit_step_ms=fit_ms,
        input_wait_ms=float(wait_ms),
        overhead_ms=fit_ms - full_ms,
    )
