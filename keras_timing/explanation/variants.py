"""Advice that is measured: the model with one setting changed, timed beside it.

Each variant is a clone of the model recompiled with one change
(`steps_per_execution=N`, `batch_size=N` or `jit_compile=true|false`) and
the compile arguments the model was given; an unchanged clone, recompiled
the same way, is the baseline. The user's model is never recompiled: the
clones get a copy of its weights and fresh optimizers. Every clone's train
and predict calls are timed in the same shuffled rounds as explain's
programs, so drift on a busy machine hits them all alike. A train call is
one call of the clone's own `train_function`, which runs
`steps_per_execution` steps, so its time is divided by the samples of all
those steps.

The changes themselves are parsed in `changes` (no Keras import, so the
command line refuses a bad `--try` at once).

Example:

>>> from keras_timing.explanation.changes import parse
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> clone = recompiled(model, parse("steps_per_execution=4"))
>>> clone.steps_per_execution, model.steps_per_execution
(4, 1)
"""

import numpy as np

import keras
from keras_timing.explanation import data as data_lib
from keras_timing.explanation import measure
from keras_timing.explanation import stages

# The name of the unchanged clone that every variant is compared with.
BASELINE = "unchanged"


def recompiled(model, variant=None):
    """A clone of `model`, its weights copied, compiled with the model's
    compile arguments and `variant`'s change (a fresh optimizer of the same
    configuration: its state is not copied)."""
    config = model.get_compile_config()
    if not config:
        raise ValueError("the model's compile arguments cannot be read back "
                         "(model.get_compile_config() is empty)")
    kwargs = dict(keras.saving.deserialize_keras_object(config))
    if variant is not None and variant.setting != "batch_size":
        kwargs[variant.setting] = variant.value
    clone = keras.models.clone_model(model)
    clone.compile(**kwargs)
    clone.set_weights(model.get_weights())
    return clone


class Trial:
    """One clone's train and predict calls, run inside explain's rounds.

    A trial that fails (while it is built, compiled or run) keeps the
    reason in `error`, and its calls do nothing from then on: the other
    variants go on.

    Args:
        model: The user's compiled model (only read).
        data: explain's `data.Batches`.
        variant: A `Variant`, or None for the unchanged baseline clone.
    """

    def __init__(self, model, data, variant=None):
        self.variant = variant
        self.change = variant.change if variant else BASELINE
        self.error = None
        self.programs = None
        try:
            clone = recompiled(model, variant)
            size = data.batch_size
            batches = data.batches[:data_lib.BATCHES_ON_DEVICE]
            if variant is not None and variant.setting == "batch_size":
                size = variant.value
                batches = data.resized(size)
            steps = int(clone.steps_per_execution)
            self.samples = steps * size
            self.programs = stages.programs(clone)
            self._source = self.programs.batch_source(batches)
            on_device = [self.programs.to_device(b) for b in batches]
            self._predict = [on_device[i % len(on_device)]
                             for i in range(steps)]
        except Exception as e:  # any failure is this variant's answer
            self._fail(e)

    @property
    def names(self):
        """The names of its two timed calls: `(train, predict)`."""
        return ("variant %s: train" % self.change,
                "variant %s: predict" % self.change)

    def calls(self):
        """`{name: callable}` for `measure.measure(..., extra=...)`."""
        train, predict = self.names
        return {train: lambda: self._run(
                    lambda: self.programs.train_from(self._source)),
                predict: lambda: self._run(
                    lambda: self.programs.predict_many(self._predict))}

    def _run(self, call):
        if self.error is not None:
            return
        try:
            self.programs.sync(call())
        except Exception as e:  # reported on the variant's row
            self._fail(e)

    def _fail(self, error):
        lines = str(error).strip().splitlines() or [""]
        self.error = ("%s: %s" % (type(error).__name__, lines[0]))[:200]

    def finish(self):
        """Hands the clone's state back to it (JAX threads it)."""
        if self.programs is not None:
            try:
                self.programs.finish()
            except Exception:  # the clone is thrown away anyway
                pass

    def per_sample(self, timed):
        """`(train, predict)` arrays of ms per sample, per round."""
        train, predict = self.names
        return timed[train] / self.samples, timed[predict] / self.samples


def rows(baseline, trials, timed):
    """`(baseline figures, [variant row])` for the result and its JSON.

    Each row: `change`, `train_ms_per_sample`, `predict_ms_per_sample`
    (medians over the rounds), `speedup` (the baseline's train ms per
    sample over the variant's) with `speedup_low`, `speedup_high` (its 95%
    bootstrap interval over the rounds) and `error` (None, or why the
    variant could not run; its figures are then None).
    """
    empty = dict(train_ms_per_sample=None, predict_ms_per_sample=None,
                 speedup=None, speedup_low=None, speedup_high=None)
    if baseline.error is not None:
        why = "the unchanged clone it is compared with failed: " \
              + baseline.error
        return (dict(empty, error=baseline.error),
                [dict(empty, change=t.change, error=t.error or why)
                 for t in trials])
    base_train, base_predict = baseline.per_sample(timed)
    base = dict(train_ms_per_sample=float(np.median(base_train)),
                predict_ms_per_sample=float(np.median(base_predict)),
                error=None)
    out = []
    for t in trials:
        if t.error is not None:
            out.append(dict(empty, change=t.change, error=t.error))
            continue
        train, predict = t.per_sample(timed)
        ratio, low, high = measure.speedup(base_train, train)
        out.append(dict(change=t.change,
                        train_ms_per_sample=float(np.median(train)),
                        predict_ms_per_sample=float(
                            np.median(predict)),
                        speedup=ratio, speedup_low=low, speedup_high=high,
                        error=None))
    return base, out
