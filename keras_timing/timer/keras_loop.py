"""What the running Keras loop knows and its callbacks are not told.

Keras 3 hands callbacks neither the batch size nor the size of the last
partial batch. The trainer's frame holds them: its `epoch_iterator` holds the
data adapter. The frame is read once, in the begin hook of an outermost
`fit`/`evaluate`/`predict`, before the call has made any per-epoch local, so
the locals snapshot Python 3.11 keeps on the frame holds nothing an epoch
frees; validation inside `fit` reads the model's own cached evaluation
iterator instead, and no other hook reads a frame. Where an adapter cannot
tell the batch size, it is read from the data: a `tf.data` pipeline's
`.batch(n)`, a generator's first batch (Keras peeks it anyway), a
`PyDataset`'s first and last batches (read once per dataset).

Every private name the package reads (these, and the frameworks') is listed
in `keras_timing.private.PRIVATE`; `tests/test_private.py` checks each one
still exists.
"""

import gc
import sys
import weakref
from dataclasses import dataclass
from dataclasses import field

import numpy as np

from keras_timing.profiling.cluster import PROCESS
from keras_timing.profiling.cluster import Scope
from keras_timing.profiling.flops import batch_size

_MAX_DEPTH = 30


def sample_scope(model, processes=1, profiler=None):
    """The `cluster.Scope` of `model`'s steps in a job of `processes`
    processes, as the launch's backend (`profiler`) counts them
    (`profiler.sample_scope`: each framework distributes the batch its own
    way); per process where there is no backend or it cannot tell. Never
    raises.

    >>> sample_scope(None), sample_scope(None, 2).name
    (Scope(name='global', adapter=1, outputs=1), 'process')
    """
    if processes <= 1:
        return Scope()
    try:
        return profiler.sample_scope(model, processes)
    except Exception:
        # No backend (None) or a model without the framework's
        # distribution: each process's own samples.
        return Scope(PROCESS)


@dataclass(frozen=True)
class LoopInfo:
    batch_size: object = None
    num_batches: object = None
    partial_batch_size: object = None
    adapter: object = field(default=None, compare=False, repr=False)
    # A last batch of unknown size may end each epoch (tf.data of unknown
    # length, batched without drop_remainder).
    partial_unknown: bool = False
    scope: Scope = Scope()

    def in_scope(self, scope):
        """This loop's sizes counted in `scope` (see `Scope`)."""
        k = scope.adapter
        return LoopInfo(self.batch_size and self.batch_size * k,
                        self.num_batches,
                        self.partial_batch_size and self.partial_batch_size
                        * k, self.adapter, self.partial_unknown, scope)

    def output_samples(self, outputs):
        """Samples of a predict step, from its outputs, in this scope."""
        n = batch_size(outputs)
        return n * self.scope.outputs if n else n

    def samples(self, first_local, last_local):
        """Samples in local steps first..last (0-based), or None."""
        if not self.batch_size:
            return None
        n = (last_local - first_local + 1) * self.batch_size
        if (self.partial_batch_size and self.num_batches
                and first_local <= self.num_batches - 1 <= last_local):
            n += self.partial_batch_size - self.batch_size
        return n


def _int_or_none(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _get(obj, name):
    try:
        return getattr(obj, name)
    except Exception:
        return None


def call_frame(model):
    """`(LoopInfo, frame)` of the running outermost call of `model`.

    Read in the begin hook of a fit/evaluate/predict, never per batch; the
    frame tells later whether that call still runs. Never raises.
    """
    adapter = frame = iterator = None
    try:
        f = sys._getframe(1)
        for _ in range(_MAX_DEPTH):
            if f is None:
                break
            if (f.f_code.co_name in ("fit", "evaluate", "predict")
                    and "epoch_iterator" in f.f_code.co_varnames):
                local = f.f_locals
                if local.get("self") is model:
                    iterator = local.get("epoch_iterator")
                    adapter = _get(iterator, "data_adapter")
                    frame = f
                    break
            f = f.f_back
    except Exception:
        pass
    return adapter_info(adapter, _steps(iterator)), frame


def _steps(iterator):
    # The epoch's length as the loop runs it: `steps_per_epoch` where given.
    return _int_or_none(_get(iterator, "num_batches"))


def validation_info(model):
    """LoopInfo of the validation data `fit` evaluates on."""
    iterator = _get(model, "_eval_epoch_iterator")
    return adapter_info(_get(iterator, "data_adapter"), _steps(iterator))


def adapter_info(adapter, steps=None):
    """LoopInfo from a Keras data adapter, reading the data where needed;
    `steps`: the epoch's length when the loop knows it (steps_per_epoch)."""
    if adapter is None:
        return LoopInfo()
    batch = _int_or_none(_get(adapter, "batch_size"))
    batches = _int_or_none(_get(adapter, "num_batches")) or steps
    partial = None
    if _get(adapter, "has_partial_batch"):
        partial = _int_or_none(_get(adapter, "partial_batch_size"))
    unknown = False
    if batch is None:
        try:
            batch, partial = _from_data(adapter, batches)
            unknown = bool(batch) and partial is None and batches is None
        except Exception:
            batch = partial = None
    return LoopInfo(batch, batches, partial, adapter, unknown)


def sample_batch(adapter):
    """One batch of the data as the loop feeds it (numpy), or None: for
    counting FLOPs of its shape. Arrays are sliced; a generator's and a
    PyDataset's first batch were read already; a tf.data pipeline yields
    one element."""
    if adapter is None:
        return None
    first = _get(adapter, "_first_batches")
    if first:
        return first[0]
    py_dataset = _get(adapter, "py_dataset")
    if py_dataset is not None:
        return py_dataset[0]
    return next(iter(adapter.get_numpy_iterator()))


def _from_data(adapter, batches):
    dataset = _get(adapter, "_dataset")
    if dataset is not None and hasattr(dataset, "element_spec"):
        return _tf_batch(dataset)
    first = _get(adapter, "_first_batches")
    if first:
        return batch_size(first[0]), None
    py_dataset = _get(adapter, "py_dataset")
    if py_dataset is not None:
        return _py_dataset_sizes(py_dataset, batches)
    return None, None


def _tf_batch(dataset):
    """`.batch(n)` somewhere up a tf.data pipeline: (n, partial or None)."""
    for _ in range(_MAX_DEPTH):
        size = _get(dataset, "_batch_size")
        if size is not None:
            batch = int(np.asarray(size))
            partial = None
            source = _get(dataset, "_input_dataset")
            if source is not None and not bool(np.asarray(
                    _get(dataset, "_drop_remainder") or False)):
                n = int(source.cardinality())
                partial = n % batch if n > 0 and n % batch else None
            return batch, partial
        dataset = _get(dataset, "_input_dataset")
        if dataset is None:
            break
    return None, None


_py_sizes = weakref.WeakKeyDictionary()


def _py_dataset_sizes(py_dataset, batches):
    try:
        return _py_sizes[py_dataset]
    except (KeyError, TypeError):
        pass
    batch = batch_size(py_dataset[0])
    partial = None
    if batches and batches > 1:
        last = batch_size(py_dataset[batches - 1])
        partial = last if last and last != batch else None
    try:
        _py_sizes[py_dataset] = (batch, partial)
    except TypeError:
        pass
    return batch, partial


def steps_per_execution(model):
    return max(1, _int_or_none(_get(model, "steps_per_execution")) or 1)


def _frames_tracked_once_done():
    """Whether this Python's frames behave as `still_running` reads them:
    untracked by the garbage collector while they run, tracked once done."""
    held = []

    def run():
        held.append(sys._getframe())
        return gc.is_tracked(held[0])

    try:
        return not run() and gc.is_tracked(held[0])
    except Exception:
        return False


_TRACKED_ONCE_DONE = _frames_tracked_once_done()


def still_running(frame):
    """Whether `frame` (a frame object taken on its own thread) still runs.

    Read from any thread without touching another thread's stack: making
    frame objects of a running thread's frames from another thread
    (`sys._current_frames()`, `f_back`) crashed CPython 3.11 (a busy CI
    run, in torch's pytree). CPython makes a running frame's object
    untracked by the garbage collector and tracks it once the frame is
    done (its data moves into the object), which the check above confirms
    for the Python running us; where it does not hold, every call is taken
    as running (a died call is then found at the next call, `flush()` or
    exit).

    >>> import sys
    >>> still_running(sys._getframe())
    True
    """
    return not (_TRACKED_ONCE_DONE and gc.is_tracked(frame))


def is_part_of(part, whole, depth=_MAX_DEPTH):
    """Whether the model `part` is a layer of `whole`, at any depth (its
    public `layers`). Never raises.

    >>> import types
    >>> enc = types.SimpleNamespace(layers=[])
    >>> is_part_of(enc, types.SimpleNamespace(layers=[enc])), is_part_of(
    ...     enc, types.SimpleNamespace(layers=[]))
    (True, False)
    """
    try:
        todo, seen = [(whole, 0)], set()
        while todo:
            layer, level = todo.pop()
            for child in getattr(layer, "layers", None) or ():
                if child is part:
                    return True
                if level < depth and id(child) not in seen:
                    seen.add(id(child))
                    todo.append((child, level + 1))
    except Exception:
        pass
    return False


def model_name(model):
    """A folder-safe name of `model`."""
    name = str(_get(model, "name") or "model")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
