"""Reading a program's launch back from its event files, and the checks
every program shares.

The programs in this folder are shaped like users' scripts; what they
assert is read from the event files the timer wrote (through tbparse), and
compared with things counted or measured apart from the timer: batches seen
by a plain callback or known from the data size, and `time.perf_counter()`
around each Keras call.
"""

import math
import os
import threading
import time

import keras
import numpy as np
from conftest import read_scalars, read_text

from keras_timing import schema

# Scalars are float32 in the event files: a sum of a call's step points
# agrees with its `call_ms` to float32 rounding, far inside these.
REL_TOL = 1e-6
ABS_TOL_MS = 1e-3


class Counter(keras.callbacks.Callback):
    """Counts the batch-end hooks Keras runs, per call, apart from the timer,
    and notes when each call's begin and end hooks ran (`spans`), to tell
    Keras's own set-up apart from the timer's window when a check fails.

    `async_safe` (with a lock) so that JAX and torch keep their asynchronous
    dispatch, as they do with the timer alone.

    >>> c = Counter(); c.on_predict_begin(); c.on_predict_batch_end(0)
    >>> c.calls["predict"]
    [1]
    """

    async_safe = True

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self.calls = {"train": [], "test": [], "predict": []}
        self.spans = {"train": [], "test": [], "predict": []}
        self.walls = {"train": [], "test": [], "predict": []}

    def _begin(self, step_function):
        with self._lock:
            self.calls[step_function].append(0)
            self.spans[step_function].append([time.perf_counter(), None])

    def _end(self, step_function):
        self.spans[step_function][-1][1] = time.perf_counter()

    def _count(self, step_function):
        with self._lock:
            self.calls[step_function][-1] += 1

    def on_train_begin(self, logs=None):
        self._begin("train")

    def on_train_batch_end(self, batch, logs=None):
        self._count("train")

    def on_train_end(self, logs=None):
        self._end("train")

    def on_test_begin(self, logs=None):
        self._begin("test")

    def on_test_batch_end(self, batch, logs=None):
        self._count("test")

    def on_test_end(self, logs=None):
        self._end("test")

    def on_predict_begin(self, logs=None):
        self._begin("predict")

    def on_predict_batch_end(self, batch, logs=None):
        self._count("predict")

    def on_predict_end(self, logs=None):
        self._end("predict")


_STEP_FUNCTIONS = {"fit": "train", "evaluate": "test", "predict": "predict"}


def timed(call, *args, **kwargs):
    """`(result, wall ms)` of one Keras call, measured around it. A
    `Counter` among its callbacks keeps the call's edges (`hooks_ms`)."""
    start = time.perf_counter()
    result = call(*args, **kwargs)
    end = time.perf_counter()
    step_function = _STEP_FUNCTIONS.get(getattr(call, "__name__", ""))
    for c in kwargs.get("callbacks") or []:
        if isinstance(c, Counter) and step_function:
            c.walls[step_function].append((start, end))
    return result, (end - start) * 1e3


def hooks_ms(counter, step_function="train"):
    """What Keras spent before the last call's begin hook and after its end
    hook (ms), from a `Counter` passed to `timed`: for failure messages."""
    if counter is None or not counter.walls[step_function]:
        return None
    start, end = counter.walls[step_function][-1]
    begin, finish = counter.spans[step_function][-1]
    return {"before_begin_hook_ms": (begin - start) * 1e3,
            "after_end_hook_ms": (end - (finish or end)) * 1e3}


def only_launch(log_dir):
    """The one launch folder under `log_dir` (asserts there is one)."""
    launches = sorted(os.listdir(log_dir))
    assert len(launches) == 1, launches
    return os.path.join(log_dir, launches[0])


def run_folders(launch_dir):
    return sorted(name for name in os.listdir(launch_dir)
                  if schema.base_run(name) is not None)


def scalars(launch_dir, run):
    return read_scalars(os.path.join(launch_dir, run))


def step_axis(sc):
    """Every step the points of a run cover, in order: a point at step s
    spanning k steps (`timing/steps`) covers s-k+1..s."""
    spans = dict(sc.get(schema.STEPS, []))
    steps = []
    for step, _ in sc[schema.BATCH_MS]:
        k = int(spans.get(step, 1))
        steps.extend(range(step - k + 1, step + 1))
    return steps


def step_samples(sc):
    """`{step: samples}` of every point with `samples_per_sec`."""
    spans = dict(sc.get(schema.STEPS, []))
    wait = dict(sc[schema.INPUT_WAIT_MS])
    batch = dict(sc[schema.BATCH_MS])
    return {s: v * (batch[s] + wait[s]) * spans.get(s, 1) / 1e3
            for s, v in sc.get(schema.SAMPLES_PER_SEC, [])}


def calls(sc):
    """Per call of a run, from its points: `call_ms`, `outside_ms`, the sum
    of its steps' `(batch_ms + input_wait_ms) * steps` and its step count.
    A call's steps are those after the previous call's last step."""
    spans = dict(sc.get(schema.STEPS, []))
    wait = dict(sc[schema.INPUT_WAIT_MS])
    outside = dict(sc[schema.OUTSIDE_STEPS_MS])
    out, previous = [], 0
    for last, call_ms in sc[schema.CALL_MS]:
        mine = [(s, v) for s, v in sc[schema.BATCH_MS] if previous < s <= last]
        out.append({
            "call_ms": call_ms, "outside_ms": outside[last],
            "steps_ms": sum((v + wait[s]) * spans.get(s, 1) for s, v in mine),
            "steps": sum(int(spans.get(s, 1)) for s, _ in mine)})
        previous = last
    return out


def _close(a, b):
    return abs(a - b) <= max(REL_TOL * abs(b), ABS_TOL_MS)


def assert_calls_add_up(launch_dir, run, nested=None):
    """(a): per call, steps + outside (+ the nested runs' calls) == call_ms.

    `nested`: the run whose calls ran inside this run's one call (validation
    inside a single fit). Returns the run's calls (see `calls`).
    """
    own = calls(scalars(launch_dir, run))
    inner = calls(scalars(launch_dir, nested)) if nested else []
    if inner:
        assert len(own) == 1, "nested calls need a single outer call"
    nested_ms = sum(c["call_ms"] for c in inner)
    for c in own:
        total = c["steps_ms"] + c["outside_ms"] + nested_ms
        assert _close(total, c["call_ms"]), (run, c, nested_ms)
    for c in inner:
        assert _close(c["steps_ms"] + c["outside_ms"], c["call_ms"]), (
            nested, c)
    return own


def assert_steps(launch_dir, run, count):
    """(b): the run's x axis is exactly 1..count, no step lost or doubled."""
    axis = step_axis(scalars(launch_dir, run))
    assert axis == list(range(1, count + 1)), (run, count, axis)


def assert_within_wall(run_calls, walls_ms, why=None, share=0.5):
    """(d): each call's `call_ms` is inside the wall time measured around
    it, and holds at least `share` of what Keras spent between the call's
    begin and end hooks. `why`: `hooks_ms` of a single call (Keras's set-up
    before the begin hook and after the end hook, which no callback sees:
    25 ms of a 46 ms torch fit on a `tf.data` pipeline), also shown on
    failure."""
    assert len(run_calls) == len(walls_ms), (run_calls, walls_ms)
    keras_ms = sum(why.values()) if why and len(walls_ms) == 1 else 0.0
    for c, wall in zip(run_calls, walls_ms):
        assert share * (wall - keras_ms) <= c["call_ms"] <= wall, (
            c, wall, why)


def assert_fit_accounted(launch_dir, fit_wall_ms, validation=True,
                         counter=None):
    """(a) and (d) for one fit: train (+ validation) add up, stay inside
    the fit's wall time and hold at least half of it."""
    train = assert_calls_add_up(
        launch_dir, schema.TRAIN, schema.VALIDATION if validation else None)
    assert_within_wall(train, [fit_wall_ms], hooks_ms(counter))
    steps = train[0]["steps_ms"]
    if validation:
        steps += sum(c["steps_ms"] for c in calls(
            scalars(launch_dir, schema.VALIDATION)))
    assert 0 < steps <= fit_wall_ms, (steps, fit_wall_ms)
    # Shown with `pytest -s`: the figures of the report on these programs.
    print("fit %.0f ms: call_ms %.1f%%, steps %.1f%% of it" % (
        fit_wall_ms, 100 * train[0]["call_ms"] / fit_wall_ms,
        100 * steps / fit_wall_ms))
    return train


def assert_predict_accounted(launch_dir, predict_wall_ms, counter=None,
                             run=schema.PREDICT):
    """(a) and (d) for one predict call (the run's last): inside its wall
    time. No share of it is required: a predict of a few ms has fixed costs
    outside its hooks as large as itself (Keras's iterator set-up, about
    100 ms on TensorFlow, output concatenation; the timer's own end-of-call
    writing, 0.3 to 18 ms measured here)."""
    own = assert_calls_add_up(launch_dir, run)
    assert_within_wall(own[-1:], [predict_wall_ms],
                       hooks_ms(counter, "predict"), share=0)
    return own


def assert_fit_then_predict(timer, counter, fit_ms, predict_ms,
                            train_steps, predict_steps):
    """(a) to (d) and the ratio, for a program that fits without validation
    and then predicts once: the batch-end hooks Keras ran (`counter`), each
    run's axis 1..steps, calls adding up inside their wall times. Returns
    the launch folder."""
    launch = timer.launch_dir
    assert counter.calls["train"] == [train_steps]
    assert counter.calls["predict"] == [predict_steps]
    assert_steps(launch, schema.TRAIN, train_steps)
    assert_steps(launch, schema.PREDICT, predict_steps)
    assert_fit_accounted(launch, fit_ms, validation=False, counter=counter)
    assert_predict_accounted(launch, predict_ms, counter)
    assert_ratio_present(launch, timer)
    return launch


def summary_value(launch_dir, run, field):
    """The last `timing_summary/<field>` the run wrote."""
    points = scalars(launch_dir, run)[schema.SUMMARY_SCALARS + field]
    return points[-1][1]


def summary_texts(launch_dir, run):
    return read_text(os.path.join(launch_dir, run))


def assert_ratio_present(launch_dir, timer=None):
    """(c): the ratio is a finite number and the predict summary says it."""
    if timer is not None:
        ratio = timer.fit_predict_ratio
        assert math.isfinite(ratio) and ratio > 0, ratio
    texts = summary_texts(launch_dir, schema.PREDICT)
    assert any("fit vs predict" in t for t in texts), texts


def assert_samples_per_sec(launch_dir, run, samples_total, unsized=()):
    """samples/s on every point but the `unsized` steps (an epoch's last
    step on data of unknown length: its batch may be partial, its size is
    not known, so it has none), and the samples it implies add up to the
    samples the run really saw in the sized steps (partial batches
    included).

    A step of no time (its end hook came with a later one's, on JAX and
    torch under load: its time went to the steps around it) has no rate
    to write; its samples are then missing from the sum, at most a batch
    each (the largest step's)."""
    sc = scalars(launch_dir, run)
    per_step = step_samples(sc)
    wait = dict(sc[schema.INPUT_WAIT_MS])
    timeless = [s for s, v in sc[schema.BATCH_MS]
                if v + wait[s] == 0.0 and s not in unsized]
    assert sorted(per_step) == [s for s, _ in sc[schema.BATCH_MS]
                                if s not in unsized and s not in timeless], (
        run, sorted(per_step))
    total = sum(per_step.values())
    missing = len(timeless) * max(per_step.values(), default=0.0)
    assert (np.isclose(total, samples_total, rtol=1e-4) if not timeless
            else samples_total - missing * (1 + 1e-4) <= total
            <= samples_total * (1 + 1e-4)), (
        run, total, samples_total, timeless)
