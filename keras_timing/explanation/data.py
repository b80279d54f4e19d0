"""What `explain` feeds the programs, and the model state it puts back.

`Batches` takes the batches to time from arrays or a stream, through Keras's
own data adapter as `fit` does; `snapshot`/`restore` copy the model's,
optimizer's and metrics' variables; `synthetic_data` makes inputs and targets
from a model's shapes for the command line.

Example:

>>> import numpy as np
>>> b = Batches(np.zeros((100, 3), "float32"), np.zeros((100, 1)), 32, 20)
>>> b.batch_size, len(b.batches), b.fit_args(20)["epochs"]
(32, 3, 6)
"""

import itertools

import numpy as np

import keras
from keras_timing.explanation import stages
from keras_timing.explanation.stages.base import pack
from keras_timing.explanation.stages.base import unpack

# Distinct batches the programs cycle through, kept on the device.
BATCHES_ON_DEVICE = 4


class Batches:
    """The batches to time, and what to hand `fit`, from arrays or a stream.

    Each batch is kept as Keras's data adapter yields it, which is what
    `fit` hands a model's `train_step`: `(x, y)`, `(x, y, sample_weight)`,
    or `x` alone (a model with its own `train_step`, such as a VAE, may take
    no targets). Only batches of the first batch's size are kept: a smaller
    last batch would make the compiled programs trace again.

    Args:
        x: Arrays (or a list/dict of them), or a dataset or generator of
            `(x, y)` or `(x, y, sample_weight)` batches.
        y: Targets with array `x`; None with a stream.
        batch_size: Samples per batch with arrays (None: 32); None with a
            stream, whose batches set it.
        fit_steps: Steps of the short `fit`: a one-shot stream is read for
            that many batches plus one.
        targets: Whether a training step needs targets (False for a model
            whose own `train_step` decides what it reads).
    """

    def __init__(self, x, y, batch_size, fit_steps, targets=True):
        from keras.src.trainers.data_adapters import array_data_adapter
        from keras.src.trainers.data_adapters import get_data_adapter

        if x is None:
            raise ValueError("x is required")
        self.is_arrays = array_data_adapter.can_convert_arrays((x, y))
        self.one_shot = False
        if self.is_arrays:
            batch_size = self._check_arrays(x, y, batch_size, targets)
            wanted = BATCHES_ON_DEVICE
        else:
            self._check_stream(y, batch_size)
            # A one-shot iterator cannot be replayed to fit: keep its
            # batches for that too.
            self.one_shot = iter(x) is x
            wanted = max(fit_steps + 1, BATCHES_ON_DEVICE)
        adapter = get_data_adapter(x, y, batch_size=batch_size,
                                   shuffle=False)
        batches = list(itertools.islice(adapter.get_numpy_iterator(),
                                        wanted))
        if not batches:
            raise ValueError("x yields no batches")
        if targets and unpack(batches[0])[1] is None:
            raise ValueError("the batches of x have no targets: yield "
                             "(x, y) tuples")
        size = _size(batches[0])
        batches = [b for b in batches if _size(b) == size]
        if not self.is_arrays:
            self.fit_batches = len(batches)
            if self.fit_batches < 2:
                raise ValueError("x yields %d full batch(es); explain needs "
                                 "at least 2" % self.fit_batches)
        self.x, self.y, self.batch_size = x, y, size
        self.batches = batches

    def _check_arrays(self, x, y, batch_size, targets):
        if y is None and targets:
            raise ValueError("y is required when x is an array: a "
                             "training step needs targets")
        lengths = {}
        for name, part in (("x", x), ("y", y)):
            lengths[name] = sorted({int(np.shape(t)[0])
                                    for t in keras.tree.flatten(part)
                                    if t is not None})
        if len(set(lengths["x"] + lengths["y"])) != 1 or not lengths["x"]:
            raise ValueError("x and y must have the same number of samples, "
                             "got x: %s, y: %s" % (lengths["x"],
                                                   lengths["y"]))
        n = lengths["x"][0]
        batch_size = 32 if batch_size is None else batch_size
        if n < batch_size:
            raise ValueError("x has %d samples, fewer than batch_size=%d"
                             % (n, batch_size))
        self.fit_batches = n // batch_size
        return batch_size

    @staticmethod
    def _check_stream(y, batch_size):
        if y is not None:
            raise ValueError("y must be None when x is a dataset or "
                             "generator: it yields (x, y) batches")
        if batch_size is not None:
            raise ValueError("batch_size must be None when x is a "
                             "dataset or generator: its batches set it")

    def fit_args(self, fit_steps):
        """`fit` keyword arguments for the short fit: `fit_steps` steps,
        rounded down to whole epochs when the arrays hold fewer batches,
        or as many full batches as a stream yields."""
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


    def resized(self, batch_size):
        """Up to `BATCHES_ON_DEVICE` numpy batches of `batch_size` samples
        from the same data: the arrays batched again, or a stream's kept
        batches joined and cut again."""
        if self.is_arrays:
            return Batches(self.x, self.y, batch_size, 2, False).batches
        joined = [None if part[0] is None else keras.tree.map_structure(
            lambda *t: np.concatenate(t), *part)
            for part in zip(*map(unpack, self.batches))]
        n = int(stages.first_tensor(joined[0]).shape[0])
        if n < batch_size:
            raise ValueError("batch_size=%d needs at least that many samples;"
                             " the batches read from x hold %d"
                             % (batch_size, n))
        return [pack(*(None if part is None else keras.tree.map_structure(
            lambda t: t[i * batch_size:(i + 1) * batch_size], part)
            for part in joined))
            for i in range(min(n // batch_size, BATCHES_ON_DEVICE))]


def _size(batch):
    """Samples in a batch: the leading dimension of its first input."""
    return int(stages.first_tensor(unpack(batch)[0]).shape[0])


def variables(model):
    """The model's, its optimizer's and its metrics' variables, once each."""
    seen, out = set(), []
    optimizer = model.optimizer.variables if model.optimizer else []
    for v in itertools.chain(model.variables, optimizer,
                             model.metrics_variables):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def snapshot(model):
    """`[(variable, copy of its value)]` of `variables(model)`."""
    # Copies, not views: on JAX the buffers are donated to the step.
    return [(v, np.array(keras.ops.convert_to_numpy(v.value), copy=True))
            for v in variables(model)]


def restore(saved):
    """Assigns each variable of a `snapshot` its saved value."""
    for v, value in saved:
        v.assign(value)


def synthetic_data(model, samples, seed=0):
    """Random `(x, y)` shaped like `model`'s inputs and outputs.

    Targets of a loss named `sparse...` are class indices; other targets are
    uniform in [0, 1), which every built-in loss accepts. Unknown dimensions
    become 16.

    Args:
        model: A compiled functional or Sequential model.
        samples: Rows of each array.
        seed: Seed of the random values.
    """
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ValueError("model %r does not say its input and output shapes "
                         "(a subclassed model?): pass --data FILE.npz"
                         % model.name)
    rng = np.random.default_rng(seed)

    def make(tensor, sparse=False):
        shape = [samples] + [16 if d is None else d
                             for d in tuple(tensor.shape)[1:]]
        if sparse:
            return rng.integers(0, shape[-1], size=shape[:-1])
        if "int" in str(tensor.dtype):
            return rng.integers(0, 2, size=shape).astype(str(tensor.dtype))
        return rng.random(shape, dtype=np.float32)

    losses = model.loss if isinstance(model.loss, (list, tuple)) \
        else [model.loss] * len(outputs)
    x = [make(t) for t in inputs]
    y = [make(t, "sparse" in _loss_name(loss).lower())
         for t, loss in zip(outputs, losses)]
    return (x[0] if len(x) == 1 else x), (y[0] if len(y) == 1 else y)


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or type(loss).__name__
