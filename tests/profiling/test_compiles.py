"""Compile counters, asked through `compiles.counter` (the timer's entry)
and answered by the backend profilers: they move when a new batch shape
compiles the step again."""

import keras
import numpy as np
import pytest

from keras_timing import backend as backend_lib
from keras_timing.profiling import compiles

BACKEND = keras.backend.backend()


class _Broken:
    """A profiler whose compile counter fails (a framework upgrade)."""

    def compile_counter(self, model, step_function):
        raise AttributeError("no such private attribute")


def test_a_backend_without_a_profiler_gets_a_counter_that_stays():
    assert compiles.counter(None, object(), "train")() == 0
    assert compiles.null_counter()() == 0


def test_a_profiler_that_cannot_count_gets_a_counter_that_stays():
    counter = compiles.counter(_Broken(), object(), "train")
    assert counter() == 0 and counter() == 0


@pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                    reason="no profiler on %s" % BACKEND)
def test_a_new_batch_shape_moves_the_counter_where_steps_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((16, 3), "float32")
    y = np.zeros((16, 1), "float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    from keras_timing.profiling import backends

    counter = compiles.counter(backends.get(), model, "train")
    before = counter()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # same shape
    same = counter()
    model.fit(x[:12], y[:12], batch_size=8, epochs=1, verbose=0)  # + 4
    grown = counter()
    assert same == before
    if BACKEND == "torch":  # eager: nothing compiles
        assert grown == before == 0
    else:
        assert grown > same
