"""How many times a model's step functions compiled: a counter per call.

The timer reads it at every begin hook: when it moved since the previous
step began, that step compiled (a new batch shape, such as a partial last
batch) and is left out of the statistics like a first batch. Each framework
tells it its own way, in its profiler's `compile_counter(model, step_function)`
(`profiling/backends/`): JAX's compile events for Keras's jitted steps,
the tracing count of TensorFlow's step `tf.function`s, dynamo's graph count
for torch with `jit_compile=True`.

Example:

>>> counter = null_counter()
>>> counter()
0
"""

from keras_timing.profiling.backends.accounting import null_counter


def counter(profiler, model, step_function):
    """A no-argument function returning the compile count of `model`'s
    `step_function` step; never raises.

    Args:
        profiler: The backend's profiler, picked once by the caller (the
            launch's `profiler`), or None where the backend has none: the
            counter then stays at 0.
        model: The Keras model whose step functions are counted.
        step_function: "train", "test" or "predict".

    Example:

    >>> counter(None, object(), "train")()
    0
    """
    if profiler is None:
        return null_counter()
    try:
        return profiler.compile_counter(model, step_function)
    except Exception:
        # A profiler that cannot count must not stop the user's call: the
        # step's compiles then go uncounted, as on a backend without one.
        return null_counter()


__all__ = ["counter", "null_counter"]
