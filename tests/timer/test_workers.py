"""Which process of a multi-worker job this is, and what its samples count,
as the running backend tells the timer (`profiler.worker`,
`profiler.sample_scope`)."""

import keras
import pytest

from keras_timing.profiling import backends
from keras_timing.profiling import cluster
from keras_timing.timer import keras_loop
from keras_timing.timer import workers

BACKEND = keras.backend.backend()
jax_only = pytest.mark.skipif(BACKEND != "jax",
                              reason="jax.process_index on the JAX backend")


@jax_only
def test_jax_processes_are_workers_and_share_a_launch_name(monkeypatch):
    import jax

    monkeypatch.setattr(jax, "process_count", lambda: 4)
    monkeypatch.setattr(jax, "process_index", lambda: 2)
    info = workers.worker_info(backends.get(), environ={})
    assert (info.index, info.count, info.is_chief) == (2, 4, False)
    assert info.folder == "worker_2"
    monkeypatch.setattr(jax, "process_index", lambda: 0)
    first = workers.worker_info(environ={})
    assert first.is_chief and first.folder is None
    assert first.shared_launch_name() == info.shared_launch_name()


def test_one_process_is_a_single_process():
    assert workers.worker_info(environ={}) == workers.SINGLE


def test_a_backend_that_fails_leaves_a_single_process():
    class Broken:
        def worker(self, environ):
            raise RuntimeError("no cluster")

        def sample_scope(self, model, processes):
            raise RuntimeError("no strategy")

    assert workers.worker_info(Broken(), environ={}) == workers.SINGLE
    assert keras_loop.sample_scope(None, 2, Broken()) == cluster.Scope(
        cluster.PROCESS)


def test_one_process_counts_its_samples_as_the_global_ones():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert keras_loop.sample_scope(model, 1, backends.get()) == \
        cluster.Scope(cluster.GLOBAL)
    # Two processes with no distribution across them train apart.
    assert keras_loop.sample_scope(model, 2, backends.get()) == \
        cluster.Scope(cluster.PROCESS)


@jax_only
def test_a_jax_distribution_shards_the_batch_over_processes():
    dist = keras.distribution.DataParallel(
        devices=keras.distribution.list_devices())
    keras.distribution.set_distribution(dist)
    try:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        scope = keras_loop.sample_scope(model, 2, backends.get())
    finally:
        keras.distribution.set_distribution(None)
    # One process here: its one shard is the whole batch.
    assert scope == cluster.Scope(cluster.GLOBAL, adapter=1)
