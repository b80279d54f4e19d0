"""Which process of a multi-worker job this is: the JAX path."""

import sys
import types

from keras_timing.timer import workers


def test_jax_processes_are_workers_and_share_a_launch_name(monkeypatch):
    fake = types.SimpleNamespace(process_count=lambda: 4,
                                 process_index=lambda: 2)
    monkeypatch.setitem(sys.modules, "jax", fake)
    info = workers.worker_info("jax", environ={})
    assert (info.index, info.count, info.is_chief) == (2, 4, False)
    assert info.folder == "worker_2"
    chief = types.SimpleNamespace(process_count=lambda: 4,
                                  process_index=lambda: 0)
    monkeypatch.setitem(sys.modules, "jax", chief)
    first = workers.worker_info("jax", environ={})
    assert first.is_chief and first.folder is None
    assert first.shared_launch_name() == info.shared_launch_name()


def test_one_jax_process_is_a_single_process(monkeypatch):
    fake = types.SimpleNamespace(process_count=lambda: 1,
                                 process_index=lambda: 0)
    monkeypatch.setitem(sys.modules, "jax", fake)
    assert workers.worker_info("jax", environ={}) == workers.SINGLE
