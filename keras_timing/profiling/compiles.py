"""How many times a model's step functions compiled: a counter per call.

The timer reads it at every begin hook: when it moved since the previous
step began, that step compiled (a new batch shape, such as a partial last
batch) and is left out of the statistics like a first batch. Each framework
tells it its own way, in its profiler's `compile_counter(model, kind)`
(`profiling/backends/`): JAX's compile events for Keras's jitted steps,
the tracing count of TensorFlow's step `tf.function`s, dynamo's graph count
for torch with `jit_compile=True`.

Example:

>>> counter = null_counter()
>>> counter()
0
"""

from keras_timing.profiling.backends.accounting import null_counter


def counter(backend, model, kind):
    """A no-argument function returning the compile count of `model`'s
    `kind` ("train", "test" or "predict") step on `backend`; never raises.
    """
    try:
        from keras_timing.profiling import backends

        return backends.get(backend).compile_counter(model, kind)
    except Exception:
        return null_counter()


__all__ = ["counter", "null_counter"]
