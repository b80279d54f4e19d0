"""Which Keras backend runs, picked in one place for every per-backend part.

Profiling (`profiling/backends/<name>.py`) and explain's stage programs
(`explanation/stages/<name>.py`) each keep one small module per framework;
`module(part)` imports the running backend's one, so only that framework is
ever imported: a JAX or torch user need not have TensorFlow installed.

Example:

>>> name("jax")
'jax'
>>> name("numpy", what="profiling")
Traceback (most recent call last):
...
ValueError: profiling is not available on the 'numpy' backend; it is on tensorflow, jax, torch
"""

import importlib

BACKENDS = ("tensorflow", "jax", "torch")


def name(backend=None, what="keras_timing"):
    """The backend's name, checked; default `keras.backend.backend()`.

    Args:
        backend: A backend name, or None for the running Keras backend.
        what: The feature asking, named in the error.

    Raises:
        ValueError: for a backend keras_timing has no module for.
    """
    if backend is None:
        import keras

        backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError("%s is not available on the %r backend; it is on %s"
                         % (what, backend, ", ".join(BACKENDS)))
    return backend


def module(package, backend=None, what="keras_timing"):
    """Imports `<package>.<backend>`: that part's module for the backend."""
    return importlib.import_module(
        "%s.%s" % (package, name(backend, what)))
