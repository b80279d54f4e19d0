"""Compiles are counted per run and step function, and steps are left out
as overlap only where a compile hid their end (issue 18, items 1 and 2).

User-shaped fits, read back from the event files. What compiled is known
apart from the timer: the model's `train_step` / `test_step` are wrapped by
a plain function (no `functools.wraps`: its name says nothing of a step)
that notes the step being run each time the framework traces it (JAX's
jit and TensorFlow's tf.function run the Python step only to trace it);
on torch with `jit_compile=True`, dynamo's own graph counter is read at
every hook by a plain callback.
"""

import functools
import time

import keras
import numpy as np
import pytest

from keras_timing import FitPredictTimer
from keras_timing import schema
from conftest import steps_of

from tests.programs import readback

BACKEND = keras.backend.backend()


def _noting(step, kind, keep_name):
    def wrapper(self, *args):
        if self.running[kind]:   # not the timer's FLOP count after it
            self.traced[kind].append(self.begun[kind])
        return step(self, *args)
    return functools.wraps(step)(wrapper) if keep_name else wrapper


class Numbered(keras.Sequential):
    """A Sequential model that knows the step being run (`Steps` sets it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.traced = {"train": [], "test": []}
        self.begun = {"train": 0, "test": 0}
        self.running = {"train": False, "test": False}


class Traced(Numbered):
    """Its steps note the step they were traced at: `train_step` wrapped as
    many decorators do, without `functools.wraps` (so named "wrapper");
    `test_step` with it (named "test_step")."""

    train_step = _noting(keras.Sequential.train_step, "train", False)
    test_step = _noting(keras.Sequential.test_step, "test", True)


class Steps(keras.callbacks.Callback):
    """Numbers the steps as the timer's x axis does (global, 1-based, per
    run: validation's go on across epochs) and, on torch, notes the steps
    during which dynamo compiled a graph. `async_safe`: JAX and torch keep
    their asynchronous end hooks."""

    async_safe = True

    def __init__(self, model):
        super().__init__()
        self.net = model
        self.compiled = {"train": [], "test": []}
        self._graphs = None

    def _dynamo_moved(self, kind):
        if BACKEND != "torch":
            return
        from torch._dynamo.utils import counters

        graphs = counters["stats"]["unique_graphs"]
        if self._graphs is not None and graphs != self._graphs:
            self.compiled[kind].append(self.net.begun[kind])
        self._graphs = graphs

    def on_train_begin(self, logs=None):
        self.net.running["train"] = True

    def on_train_end(self, logs=None):
        self.net.running["train"] = False

    def on_train_batch_begin(self, batch, logs=None):
        self._dynamo_moved("train")
        self.net.begun["train"] += 1

    def on_test_begin(self, logs=None):
        self._dynamo_moved("train")
        self.net.running["test"] = True

    def on_test_batch_begin(self, batch, logs=None):
        self._dynamo_moved("test")
        self.net.begun["test"] += 1

    def on_test_end(self, logs=None):
        self._dynamo_moved("test")
        self.net.running["test"] = False

    def on_epoch_end(self, epoch, logs=None):
        self._dynamo_moved("train")

    def traced(self, kind):
        """The steps during which `kind`'s step function compiled."""
        if BACKEND == "torch":
            return self.compiled[kind]
        return self.net.traced[kind]


def _model(width, inputs, torch_compile=True):
    if BACKEND == "torch":
        # dynamo runs the Python step on every call, and a step that
        # changed Python state there would recompile each time; its
        # compile limit is per code object, which every model's step
        # shares: start this program's count afresh.
        import torch

        torch._dynamo.reset()
    model = (Numbered if BACKEND == "torch" else Traced)([
        keras.Input((inputs,)),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(1)])
    model.compile("adam", "mse", jit_compile=True if (
        BACKEND == "torch" and torch_compile) else "auto")
    return model


def _tagged(launch, run, tag):
    return steps_of(readback.scalars(launch, run).get(tag, []))


def _recompiles_read_back(launch, run):
    return _tagged(launch, run, schema.RECOMPILE_MS)


@pytest.mark.parametrize("samples, validation", [(320, 0.2), (300, 0.0)],
                         ids=["validation", "partial_last_batch"])
def test_recompiles_are_the_train_steps_traced(tmp_path, samples,
                                               validation):
    """JAX fit with `validation_split` on data that divides: validation's
    `test_step` compile is not a train recompile (train_step is traced
    once: no recompile). A user's `train_step` wrapped without
    `functools.wraps` is seen: 300 samples, the partial last batch of the
    first epoch (step 10) compiles again."""
    rng = np.random.default_rng(0)
    x = rng.random((samples, 10), dtype="float32")
    y = rng.random((samples, 1), dtype="float32")
    model = _model(16, 10)
    steps = Steps(model)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, validation_split=validation,
              verbose=0, callbacks=[steps, timer])
    timer.flush()
    launch = readback.only_launch(str(tmp_path))

    traced = steps.traced("train")
    assert traced and traced[0] == 1, traced      # the first batch traced
    # (TensorFlow traces the first call twice.) Any later step that traced
    # is a recompile.
    expected = sorted({step for step in traced if step > 1})
    if BACKEND == "jax":
        assert expected == ([] if validation else [10]), traced
    assert _recompiles_read_back(launch, schema.TRAIN) == expected
    assert readback.summary_value(
        launch, schema.TRAIN, "recompiles") == len(expected)
    if not validation:
        return
    # Validation's compiles are its own: its first call's first step, and
    # a later step only where test_step was traced again.
    traced_test = steps.traced("test")
    assert traced_test and traced_test[0] == 1, traced_test
    first_steps = _tagged(launch, schema.VALIDATION, schema.FIRST_BATCH_MS)
    later = sorted(set(traced_test) - set(first_steps))
    assert _recompiles_read_back(launch, schema.VALIDATION) == later


class Hooks(keras.callbacks.Callback):
    """After the timer in the list: the time of each step's begin and end
    hook, by run and step as the timer numbers them (an end noted here
    comes after the timer's own)."""

    async_safe = True

    def __init__(self):
        super().__init__()
        self.begun = {schema.TRAIN: 0, schema.VALIDATION: 0,
                      schema.PREDICT: 0}
        self.begins, self.ends = {}, {}

    def _begin(self, run):
        self.begun[run] += 1
        self.begins[run, self.begun[run]] = time.perf_counter()

    def _end(self, run, batch, offset):
        self.ends[run, offset + batch + 1] = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._epoch_offset = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_offset = self.begun[schema.TRAIN]

    def on_test_begin(self, logs=None):
        self._test_offset = self.begun[schema.VALIDATION]

    def on_predict_begin(self, logs=None):
        self.begun[schema.PREDICT] = 0

    def on_train_batch_begin(self, batch, logs=None):
        self._begin(schema.TRAIN)

    def on_test_batch_begin(self, batch, logs=None):
        self._begin(schema.VALIDATION)

    def on_predict_batch_begin(self, batch, logs=None):
        self._begin(schema.PREDICT)

    def on_train_batch_end(self, batch, logs=None):
        self._end(schema.TRAIN, batch, self._epoch_offset)

    def on_test_batch_end(self, batch, logs=None):
        self._end(schema.VALIDATION, batch, self._test_offset)

    def on_predict_batch_end(self, batch, logs=None):
        self._end(schema.PREDICT, batch, 0)


def test_overlap_only_where_a_compile_held_the_hook(tmp_path):
    """The issue's 1024-wide model with validation, then predict: the
    train steps queued while validation began (its first call compiles,
    its second does not) keep their own ends, as they finish during the
    compile. Only a step whose end hook came while a compile held the host
    (after the compiling step began, before that step's own end hook: on
    JAX the first of the queued steps' hooks) may be left out as overlap;
    none on TensorFlow (hooks on the training thread) and torch (eager);
    every train step of the second epoch, where nothing compiles, is
    counted, and every left-out train step compiled or was overlap."""
    rng = np.random.default_rng(0)
    x = rng.random((320, 256), dtype="float32")
    y = rng.random((320, 1), dtype="float32")
    model = _model(1024, 256, torch_compile=False)   # torch as users run it
    steps = Steps(model)
    hooks = Hooks()
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2,
              verbose=0, callbacks=[steps, timer, hooks])
    model.predict(x, verbose=0, callbacks=[timer, hooks])
    timer.flush()
    launch = readback.only_launch(str(tmp_path))

    compiling = [(schema.TRAIN, s) for s in {1} | set(steps.traced("train"))]
    compiling += [(schema.VALIDATION, s) for s in {1} | set(
        steps.traced("test"))] + [(schema.PREDICT, 1)]
    for run in (schema.TRAIN, schema.VALIDATION, schema.PREDICT):
        overlap = _tagged(launch, run, schema.OVERLAP_MS)
        if BACKEND != "jax":
            assert overlap == [], run
        for step in overlap:
            end = hooks.ends[run, step]
            assert any(hooks.begins[c] < end <= hooks.ends[c]
                       for c in compiling
                       if hooks.begins[c] > hooks.begins[run, step]), (
                run, step)
    assert _tagged(launch, schema.TRAIN, schema.BATCH_MS) == list(
        range(1, 17))
    left_out = set()
    for tag in (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS,
                schema.PROFILED_MS):
        left_out |= set(_tagged(launch, schema.TRAIN, tag))
    compiled = {1} | set(steps.traced("train"))
    assert left_out == compiled
    overlap = set(_tagged(launch, schema.TRAIN, schema.OVERLAP_MS))
    assert not overlap & set(range(9, 17)), overlap
