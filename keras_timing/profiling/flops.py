"""What FLOP counting shares across frameworks: the step functions, the call
shape of a batch (the cache key: one count per shape), and its sample count.

Nothing here imports a framework; a batch is any nest of tuples, lists and
dicts of arrays with `.shape` and `.dtype` (numpy, TensorFlow, JAX, torch).

Example:

>>> import numpy as np
>>> batch = (np.zeros((32, 28, 28, 1), "float32"), np.zeros((32, 10)))
>>> call_shape(batch)
(((32, 28, 28, 1), 'float32'), ((32, 10), 'float64'))
>>> batch_size(batch)
32
>>> check_step_function("fit")
Traceback (most recent call last):
...
ValueError: step_function must be one of 'train', 'test', 'predict'; got 'fit'
"""

from keras_timing.schema import STEP_FUNCTION_NAMES


def check_step_function(step_function):
    """Returns `step_function` if it names a Keras step function
    ("train", "test", "predict"); else raises ValueError."""
    if step_function not in STEP_FUNCTION_NAMES:
        raise ValueError("step_function must be one of %s; got %r" % (
            ", ".join(repr(k) for k in STEP_FUNCTION_NAMES), step_function))
    return step_function


def call_shape(batch):
    """A hashable key of `batch`'s structure, shapes and dtypes."""
    if isinstance(batch, dict):
        return tuple((k, call_shape(batch[k])) for k in sorted(batch))
    if isinstance(batch, (tuple, list)):
        return tuple(call_shape(b) for b in batch)
    if batch is None:
        return None
    # Dtypes print differently per framework ("float32", torch.float32).
    dtype = str(getattr(batch, "dtype", type(batch).__name__))
    return tuple(getattr(batch, "shape", ())), dtype.replace("torch.", "")


def batch_size(batch):
    """The number of samples in `batch`: the first dimension of its first
    array that is not None (of x, in an (x, y) pair; of the first output);
    None if it has none or its first dimension is not known.

    >>> import numpy as np
    >>> batch_size({"a": None, "b": [np.zeros((4, 2))]}), batch_size(())
    (4, None)
    """
    try:
        while isinstance(batch, (tuple, list, dict)):
            items = batch.values() if isinstance(batch, dict) else batch
            batch = next((b for b in items if b is not None), None)
            if batch is None:
                return None
        shape = getattr(batch, "shape", None)
        return int(shape[0]) if shape else None
    except (TypeError, ValueError):
        # A symbolic first dimension (None), or a shape of unknown rank.
        return None


def unpack(batch):
    """(x, y, sample_weight) of a batch as Keras's trainers unpack it."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if not 1 <= len(batch) <= 3:
        raise ValueError("batch must be x, (x,), (x, y) or "
                         "(x, y, sample_weight); got %d items" % len(batch))
    return (batch + (None, None))[:3]
