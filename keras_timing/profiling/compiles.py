"""How many times a model's step functions compiled: a counter per call.

The timer reads it at every begin hook: when it moved since the previous
step began, that step compiled (a new batch shape, such as a partial last
batch) and is left out of the statistics like a first batch. Each framework
tells it its own way:

- JAX: the compile-duration events JAX records for every backend compile,
  counted for Keras's jitted step functions only (`jit(train_step)`, ...).
- TensorFlow: the tracing count of the `tf.function`s behind the model's
  `train_function` / `test_function` / `predict_function`.
- torch: steps run eagerly and never compile, unless `jit_compile=True`
  (`torch.compile`), whose graph count dynamo keeps.

Example:

>>> counter = null_counter()
>>> counter()
0
"""

import itertools

_jax_compiles = itertools.count()
_jax_count = 0
_jax_listening = False


def null_counter():
    """A counter that never moves (no framework to ask)."""
    return lambda: 0


def counter(backend, model, kind):
    """A no-argument function returning the compile count of `model`'s
    `kind` ("train", "test" or "predict") step; never raises."""
    try:
        make = {"jax": _jax, "tensorflow": _tensorflow,
                "torch": _torch}.get(backend)
        return make(model, kind) if make else null_counter()
    except Exception:
        return null_counter()


def _jax(model, kind):
    global _jax_listening
    if not _jax_listening:
        import jax
        from jax._src import dispatch

        event = dispatch.BACKEND_COMPILE_EVENT

        def listen(name, duration, **kwargs):
            global _jax_count
            # Keras's step functions: jit(train_step), jit(test_step),
            # jit(predict_step) and their multi-step forms; not the small
            # eager ops that metrics compile at an epoch's end.
            if name == event and "step" in str(kwargs.get("fun_name", "")):
                _jax_count = next(_jax_compiles) + 1

        jax.monitoring.register_event_duration_secs_listener(listen)
        _jax_listening = True
    return lambda: _jax_count


def _tensorflow(model, kind):
    function = getattr(model, kind + "_function", None)
    found = [function] + [c.cell_contents for c in
                          (getattr(function, "__closure__", None) or ())
                          if _cell_filled(c)]
    traced = [f for f in found
              if hasattr(f, "experimental_get_tracing_count")]
    if not traced:
        return null_counter()
    return lambda: sum(f.experimental_get_tracing_count() for f in traced)


def _cell_filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _torch(model, kind):
    if not getattr(model, "jit_compile", False):
        return null_counter()
    from torch._dynamo.utils import counters

    return lambda: counters["stats"]["unique_graphs"]
