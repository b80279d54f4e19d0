"""Fixtures of the profiling tests: a small real step per backend, and a
check that no test leaves a capture running."""

import keras
import pytest

from keras_timing import backend as backend_lib

BACKEND = keras.backend.backend()


@pytest.fixture(autouse=True)
def no_capture_left():
    yield
    if BACKEND in backend_lib.BACKENDS:
        from keras_timing.profiling import backends

        # stop() saves a capture left running (and returns its files), so
        # the next test starts free; [] when none of ours runs.
        if backends.get().stop():
            pytest.fail("a test left a capture running")


@pytest.fixture(scope="session")
def step():
    """One small compiled step of the backend that waits for its result."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.random.normal((128, 128))
        f = tf.function(lambda x: tf.reduce_sum(tf.matmul(x, x)))
        run = lambda: f(x).numpy()  # noqa: E731
    elif BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        x = jnp.ones((128, 128))
        f = jax.jit(lambda x: jnp.sum(x @ x))
        run = lambda: f(x).block_until_ready()  # noqa: E731
    else:
        import torch

        x = torch.ones(128, 128)
        run = lambda: (x @ x).sum().item()  # noqa: E731
    run()  # compiled before any capture
    return run
