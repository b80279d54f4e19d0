"""Every private name in `keras_timing.private.PRIVATE` still exists in the
installed Keras, TensorFlow, JAX and torch: after an upgrade that removes
one, the failure names it and what reads it. Each backend's run checks its
own names and those every backend reads."""

import importlib
import inspect

import keras
import pytest

from keras_timing.private import PRIVATE

BACKEND = keras.backend.backend()


def _resolve(owner):
    """The module, class or object a dotted path or a function names."""
    if callable(owner):
        return owner()
    try:
        return importlib.import_module(owner)
    except ImportError:
        module, _, name = owner.rpartition(".")
        return getattr(_resolve(module), name)


def _has(owner, name):
    """`name` on the owner, set on its instances by a class of its MRO, or
    (`local:<variable>`) a variable of its code."""
    if name.startswith("local:"):
        # The function itself, or the one a decorator wraps (Keras's
        # trainers' fit/evaluate/predict: the frame read is the inner one).
        codes = [f.__code__ for f in (owner, inspect.unwrap(owner))
                 if hasattr(f, "__code__")]
        return any(name[len("local:"):] in (code.co_varnames + code.co_freevars
                                            + code.co_cellvars)
                   for code in codes)
    if hasattr(owner, name):
        return True
    return inspect.isclass(owner) and any(
        ("self.%s =" % name) in inspect.getsource(c)
        for c in owner.__mro__ if c.__module__ != "builtins")


def _id(private):
    owner = private.owner
    where = owner if isinstance(owner, str) else owner.__name__.strip("_")
    return "%s.%s" % (where, private.name)


@pytest.mark.parametrize("private", PRIVATE, ids=[_id(p) for p in PRIVATE])
def test_every_private_name_read_still_exists(private):
    if private.backend not in (None, BACKEND):
        pytest.skip("read on the %s backend only" % private.backend)
    owner = _resolve(private.owner)
    assert _has(owner, private.name), "%s: %s is gone (read by %s)" % (
        _versions(), _id(private), private.reader)


def _versions():
    import sys

    names = ("keras", "tensorflow", "jax", "torch")
    return ", ".join("%s %s" % (n, sys.modules[n].__version__)
                     for n in names if n in sys.modules)


def test_the_list_names_each_backend_and_no_name_twice():
    assert {p.backend for p in PRIVATE} == {None, "tensorflow", "jax",
                                           "torch"}
    keys = [(_id(p), p.backend) for p in PRIVATE]
    assert len(keys) == len(set(keys))
