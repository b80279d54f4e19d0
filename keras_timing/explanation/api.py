"""explain: why is fit slower than predict, measured for one model.

A training step is cut into cumulative programs (forward; + loss; +
gradients; + optimizer; + metrics), each compiled the way `fit` compiles its
step (see `keras_timing.explanation.stages`). A stage's cost is its program's median time
minus the previous program's, so the stages add up exactly to the last
program, a whole training step; that sum is then checked against the model's
own `train_function`, timed the same way. `predict` is the model's own
`predict_function`. The programs run in a shuffled order each round, so that
drift on a busy machine hits them all alike, and every call is timed until
the device has finished it. A short real `fit` with `FitPredictTimer`
attached measures what lies outside the step.
"""

import gc
import itertools
import math
import tempfile
import time
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

import numpy as np

import keras
from keras_timing import schema
from keras_timing.explanation import stages
from keras_timing.timer.callback import FitPredictTimer

# Below this the sum check cannot tell a real gap from timer resolution and
# the Python call around each program.
ABSOLUTE_TOLERANCE_MS = 0.05
BATCHES_ON_DEVICE = 4


@dataclass
class Explanation:
    """What a training step of one model spends its time on, per batch.

    All times are milliseconds per batch of `batch_size` samples: medians
    over `steps` timed rounds, warm-up and compilation left out.

    Attributes:
        phases_ms: Stage name to median ms, in step order; merged stages are
            named `a+b` (see `merged`).
        phases_p10_ms, phases_p90_ms: Spread of each stage: percentiles of
            the per-round differences between its program and the previous.
        merged: Merged stage name to the reason it could not be split.
        train_step_ms: Sum of `phases_ms`: the whole-step program's median.
        full_step_ms: The model's own `train_function`, measured alike.
        tolerance_ms: How far `train_step_ms` may be from `full_step_ms`.
        sum_check_ok: Whether it is within `tolerance_ms`.
        predict_step_ms: The model's own `predict_function` on one batch.
        fit_step_ms: Median batch time inside a real `fit` (the timer's).
        input_wait_ms: Per step of that `fit`, time between steps when the
            device was idle (data, callbacks, the loop).
        overhead_ms: `fit_step_ms - full_step_ms`: what `fit` adds around
            the compiled step inside the batch (data hand-over, Python
            dispatch, logs); it may be slightly negative when host and
            device overlap.

    Example:

    ```python
    result = explain(model, x, y, batch_size=32)
    print(result)                  # table and one-sentence answer
    result.phases_ms["backward"]   # ms per batch
    ```
    """

    model_name: str
    backend: str
    device: str
    jit_compile: bool
    batch_size: int
    steps: int
    phases_ms: dict
    phases_p10_ms: dict
    phases_p90_ms: dict
    merged: dict
    train_step_ms: float
    full_step_ms: float
    full_step_p10_ms: float
    full_step_p90_ms: float
    tolerance: float
    tolerance_ms: float
    sum_check_ok: bool
    predict_step_ms: float
    predict_step_p10_ms: float
    predict_step_p90_ms: float
    fit_step_ms: float
    input_wait_ms: float
    overhead_ms: float
    notes: list = field(default_factory=list)

    @property
    def ratio(self):
        """Train over predict time per sample (same batch size for both)."""
        if not self.predict_step_ms > 0:
            return math.nan
        return self.train_step_ms / self.predict_step_ms

    @property
    def shares(self):
        """Stage name to its fraction of `train_step_ms`."""
        total = self.train_step_ms
        return {k: (v / total if total > 0 else math.nan)
                for k, v in self.phases_ms.items()}

    def sentence(self):
        """The one-sentence answer: the ratio and the stages by share."""
        parts = ", ".join(
            "%s %.0f%%" % (k, 100 * s) for k, s in
            sorted(self.shares.items(), key=lambda kv: -kv[1]))
        return ("A training step costs %.1fx a predict step per sample: %s."
                % (self.ratio, parts))

    def check_line(self):
        verdict = "agrees" if self.sum_check_ok else "does NOT agree"
        return ("The stages sum to %.3f ms; the model's own train step "
                "measured %.3f ms: %s within %.3f ms (max of %.0f%% and "
                "%.2f ms)." % (self.train_step_ms, self.full_step_ms,
                               verdict, self.tolerance_ms,
                               100 * self.tolerance, ABSOLUTE_TOLERANCE_MS))

    def _rows(self):
        rows = []
        for k, v in self.phases_ms.items():
            rows.append((k, v, self.phases_p10_ms[k], self.phases_p90_ms[k],
                         self.shares[k]))
        rows.append(("train step (sum)", self.train_step_ms, None, None,
                     1.0))
        rows.append(("model.train_function", self.full_step_ms,
                     self.full_step_p10_ms, self.full_step_p90_ms, None))
        rows.append(("predict step", self.predict_step_ms,
                     self.predict_step_p10_ms, self.predict_step_p90_ms,
                     None))
        rows.append(("fit: input wait", self.input_wait_ms, None, None,
                     None))
        rows.append(("fit: batch - step", self.overhead_ms, None, None, None))
        return rows

    def _title(self):
        return ("%s on %s (%s, jit_compile=%s), batch %d, %d steps"
                % (self.model_name, self.backend, self.device,
                   self.jit_compile, self.batch_size, self.steps))

    def _footer(self):
        lines = [self.check_line()]
        lines += ["Merged %s: %s." % (k, v) for k, v in self.merged.items()]
        lines += self.notes
        return lines

    def to_markdown(self):
        """The table, the check and the answer as Markdown."""
        out = ["**%s**" % self._title(), "",
               "| stage | ms/batch | p10 | p90 | share |",
               "|---|---:|---:|---:|---:|"]
        for name, v, lo, hi, share in self._rows():
            out.append("| %s | %s | %s | %s | %s |" % (
                name, _fmt(v), _fmt(lo), _fmt(hi), _pct(share)))
        out += ["", self.sentence(), ""]
        out += ["- " + line for line in self._footer()]
        return "\n".join(out) + "\n"

    def to_dict(self):
        """Plain values for JSON, the ratio and shares included."""
        d = asdict(self)
        d["ratio"] = self.ratio
        d["shares"] = self.shares
        d["sentence"] = self.sentence()
        return d

    def __str__(self):
        width = max(len(r[0]) for r in self._rows())
        out = [self._title(),
               "  %-*s %9s %9s %9s %7s" % (width, "stage", "ms/batch",
                                           "p10", "p90", "share")]
        for name, v, lo, hi, share in self._rows():
            out.append("  %-*s %9s %9s %9s %7s" % (
                width, name, _fmt(v), _fmt(lo), _fmt(hi), _pct(share)))
        out += self._footer()
        out.append(self.sentence())
        return "\n".join(out)


def _fmt(v):
    return "" if v is None else ("n/a" if math.isnan(v) else "%.3f" % v)


def _pct(v):
    return "" if v is None or math.isnan(v) else "%.1f%%" % (100 * v)


def explain(model, x, y=None, batch_size=None, steps=50, warmup=3,
            fit_steps=20, tolerance=0.15, log_dir=None, seed=0):
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
            outside the step.
        tolerance: Relative tolerance of the sum check (with an absolute
            floor of `ABSOLUTE_TOLERANCE_MS`).
        log_dir: Where the `fit`'s `FitPredictTimer` writes; a temporary
            folder, deleted afterwards, when None.
        seed: Seed of the per-round program order.

    Returns:
        An `Explanation`.

    The model trains for `fit_steps + (warmup + steps) * 2` steps; the
    weights, optimizer and metric variables it had before are put back.

    Example:

    ```python
    model.compile(optimizer="adam", loss="mse")
    print(explain(model, x, y, batch_size=64))
    ```
    """
    _check_args(model, batch_size, steps, warmup, fit_steps, tolerance)
    data = _Data(x, y, batch_size, fit_steps)
    if model.built and not model.trainable_weights:
        raise _no_weights(model)
    before = _snapshot(model)
    try:
        fit_summary = _short_fit(model, data, fit_steps, log_dir)
        if not model.trainable_weights:
            raise _no_weights(model)
        programs = stages.programs(model)
        try:
            timed = _measure(programs, data, steps, warmup, seed)
        finally:
            programs.finish()
    finally:
        _restore(before)
    return _explanation(model, programs, data, steps, tolerance, timed,
                        fit_summary)


# ---- arguments and data ---------------------------------------------------


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


class _Data:
    """The batches to time, and what to hand `fit`, from arrays or a stream.

    Batches come from Keras's own data adapter, as in `fit`. Only batches of
    the first batch's size are kept: a smaller last batch would make the
    compiled programs trace again.
    """

    def __init__(self, x, y, batch_size, fit_steps):
        from keras.src.trainers.data_adapters import array_data_adapter
        from keras.src.trainers.data_adapters import data_adapter_utils
        from keras.src.trainers.data_adapters import get_data_adapter

        if x is None:
            raise ValueError("x is required")
        self.is_arrays = array_data_adapter.can_convert_arrays((x, y))
        if self.is_arrays:
            if y is None:
                raise ValueError("y is required when x is an array: a "
                                 "training step needs targets")
            n = self._check_lengths(x, y)
            batch_size = 32 if batch_size is None else batch_size
            if n < batch_size:
                raise ValueError("x has %d samples, fewer than batch_size=%d"
                                 % (n, batch_size))
            self.fit_batches = n // batch_size
            wanted = BATCHES_ON_DEVICE
        else:
            if y is not None:
                raise ValueError("y must be None when x is a dataset or "
                                 "generator: it yields (x, y) batches")
            if batch_size is not None:
                raise ValueError("batch_size must be None when x is a "
                                 "dataset or generator: its batches set it")
            # A one-shot iterator cannot be replayed to fit: keep its
            # batches for that too.
            self.one_shot = iter(x) is x
            wanted = max(fit_steps + 1, BATCHES_ON_DEVICE)
        adapter = get_data_adapter(x, y, batch_size=batch_size,
                                   shuffle=False)
        batches = []
        for batch in itertools.islice(adapter.get_numpy_iterator(), wanted):
            bx, by, sw = data_adapter_utils.unpack_x_y_sample_weight(batch)
            batches.append((bx, by, sw))
        if not batches:
            raise ValueError("x yields no batches")
        if batches[0][1] is None:
            raise ValueError("the batches of x have no targets: yield "
                             "(x, y) tuples")
        size = int(stages.first_tensor(batches[0][0]).shape[0])
        batches = [b for b in batches
                   if stages.first_tensor(b[0]).shape[0] == size]
        if not self.is_arrays:
            self.fit_batches = len(batches)
            if self.fit_batches < 2:
                raise ValueError("x yields %d full batch(es); explain needs "
                                 "at least 2" % self.fit_batches)
        self.x, self.y, self.batch_size = x, y, size
        self.batches = batches

    @staticmethod
    def _check_lengths(x, y):
        lengths = {}
        for name, part in (("x", x), ("y", y)):
            lengths[name] = sorted({int(np.shape(t)[0])
                                    for t in keras.tree.flatten(part)
                                    if t is not None})
        if len(set(lengths["x"] + lengths["y"])) != 1:
            raise ValueError("x and y must have the same number of samples, "
                             "got x: %s, y: %s" % (lengths["x"],
                                                   lengths["y"]))
        return lengths["x"][0]

    def fit_args(self, fit_steps):
        """`fit` keyword arguments for about `fit_steps` steps."""
        if self.is_arrays:
            per_epoch = min(fit_steps, self.fit_batches)
            return dict(x=self.x, y=self.y, batch_size=self.batch_size,
                        steps_per_epoch=per_epoch,
                        epochs=max(1, fit_steps // per_epoch), shuffle=False)
        steps = min(fit_steps, self.fit_batches)
        x = self.x
        if self.one_shot:
            x = (b for b in self.batches[:steps])
        return dict(x=x, steps_per_epoch=steps, epochs=1, shuffle=False)


# ---- the model's state ----------------------------------------------------


def _variables(model):
    seen, out = set(), []
    optimizer = model.optimizer.variables if model.optimizer else []
    for v in itertools.chain(model.variables, optimizer,
                             model.metrics_variables):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _snapshot(model):
    # Copies, not views: on JAX the buffers are donated to the step.
    return [(v, np.array(keras.ops.convert_to_numpy(v.value), copy=True))
            for v in _variables(model)]


def _restore(snapshot):
    for v, value in snapshot:
        v.assign(value)


# ---- measuring ------------------------------------------------------------


def _short_fit(model, data, fit_steps, log_dir):
    """The timer's train summary of a short `fit` (one step compiles)."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        timer = FitPredictTimer(log_dir=log_dir or tmp,
                                batch_size=data.batch_size, verbose=0)
        model.fit(callbacks=[timer], verbose=0, **data.fit_args(fit_steps))
        timer.flush()
        return timer.summaries().get(schema.TRAIN, {})


def _measure(programs, data, steps, warmup, seed):
    """`{program: [ms per round]}`, rounds in shuffled order."""
    batches = [programs.to_device(b)
               for b in data.batches[:BATCHES_ON_DEVICE]]
    calls = dict(programs.stages)
    calls["train_function"] = programs.train_step
    calls["predict_function"] = programs.predict_step
    for fn in calls.values():
        for i in range(warmup):
            programs.sync(fn(batches[i % len(batches)]))
    times = {name: [] for name in calls}
    order = list(calls)
    rng = np.random.default_rng(seed)
    # A garbage collection inside one timed call would be charged to
    # whichever program it hit; as `timeit` does, collect before, not during.
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(steps):
            batch = batches[r % len(batches)]
            rng.shuffle(order)
            for name in order:
                fn = calls[name]
                start = time.perf_counter()
                programs.sync(fn(batch))
                times[name].append((time.perf_counter() - start) * 1e3)
    finally:
        if was_enabled:
            gc.enable()
    return {name: np.array(t) for name, t in times.items()}


def _split(programs, timed):
    """Stage costs from the cumulative programs, merging what is negative.

    A program measured faster than its prefix (noise, or a compiler that
    fused the two) gives no number for its stage alone: the stage is joined
    to the one before it, whose program it extends, so the sum is kept.
    """
    names_ = [name for name, _ in programs.stages]
    medians = [float(np.median(timed[n])) for n in names_]
    rounds = [timed[n] for n in names_]
    # Each entry: [name, median cost, per-round costs]
    parts = []
    prev_median, prev_rounds = 0.0, 0.0
    for name, m, t in zip(names_, medians, rounds):
        parts.append([name, m - prev_median, t - prev_rounds])
        prev_median, prev_rounds = m, t
    merged = dict(programs.merged)
    i = 1
    while i < len(parts):
        name, cost, per_round = parts[i]
        if cost >= 0:
            i += 1
            continue
        before = parts[i - 1]
        joined = before[0] + "+" + name
        merged[joined] = (
            "the program with %s measured %.3f ms faster than the one "
            "without it, so %s alone is below what these timings resolve "
            "(or the compiler fused it into %s); it is reported together "
            "with %s" % (name, -cost, name, before[0], before[0]))
        for key in (before[0], name):
            merged.pop(key, None)
        parts[i - 1] = [joined, before[1] + cost, before[2] + per_round]
        del parts[i]
        i = max(i - 1, 1)
    phases = {p[0]: p[1] for p in parts}
    p10 = {p[0]: float(np.percentile(p[2], 10)) for p in parts}
    p90 = {p[0]: float(np.percentile(p[2], 90)) for p in parts}
    return phases, p10, p90, merged


def _explanation(model, programs, data, steps, tolerance, timed,
                 fit_summary):
    phases, p10, p90, merged = _split(programs, timed)
    train = float(sum(phases.values()))
    full = timed["train_function"]
    full_ms = float(np.median(full))
    tol_ms = max(tolerance * full_ms, ABSOLUTE_TOLERANCE_MS)
    predict = timed["predict_function"]
    fit_ms = float(fit_summary.get("p50_ms", math.nan))
    mean_ms = float(fit_summary.get("mean_ms", math.nan))
    share = float(fit_summary.get("input_wait_share", math.nan))
    # The timer gives the wait as a share of batch + wait time; per step
    # that is the mean batch time scaled by wait / batch.
    wait_ms = mean_ms * share / (1 - share) if share < 1 else math.nan
    notes = []
    return Explanation(
        model_name=model.name,
        backend=keras.backend.backend(),
        device=programs.device,
        jit_compile=bool(model.jit_compile and not model.run_eagerly),
        batch_size=data.batch_size,
        steps=steps,
        phases_ms=phases,
        phases_p10_ms=p10,
        phases_p90_ms=p90,
        merged=merged,
        train_step_ms=train,
        full_step_ms=full_ms,
        full_step_p10_ms=float(np.percentile(full, 10)),
        full_step_p90_ms=float(np.percentile(full, 90)),
        tolerance=float(tolerance),
        tolerance_ms=tol_ms,
        sum_check_ok=bool(abs(train - full_ms) <= tol_ms),
        predict_step_ms=float(np.median(predict)),
        predict_step_p10_ms=float(np.percentile(predict, 10)),
        predict_step_p90_ms=float(np.percentile(predict, 90)),
        fit_step_ms=fit_ms,
        input_wait_ms=float(wait_ms),
        overhead_ms=fit_ms - full_ms,
        notes=notes,
    )
