"""Peak memory read back after known allocations: the host's resident-set
peak (`profiling/memory.py`) and the running backend's
`reset_peak_memory()` / `peak_memory_mb()` (on this CPU machine the host's;
`benchmarks/gpu_check.py` covers the device allocators)."""

import keras
import numpy as np
import pytest

from keras_timing import backend as backend_lib
from keras_timing.profiling import memory

MB = 2**20
BLOCK_MB = 200

resettable = pytest.mark.skipif(not memory.reset_peak(),
                                reason="/proc/self/clear_refs not writable")


def touch_and_free(megabytes):
    """Allocates and writes `megabytes` (so they are resident), frees them."""
    block = np.ones(megabytes * MB // 8)
    assert block.sum() == block.size
    del block


def measure(reset, read):
    reset()
    start = read()
    touch_and_free(BLOCK_MB)
    grown = read()
    reset()
    after = read()
    return start, grown, after


def test_the_host_peak_holds_a_freed_block():
    start, grown, _ = measure(memory.reset_peak, memory.peak_mb)
    assert grown >= start + 0.9 * BLOCK_MB, (start, grown)


@resettable
def test_a_reset_drops_the_host_peak_to_the_resident_set():
    start, grown, after = measure(memory.reset_peak, memory.peak_mb)
    assert after < grown - 0.9 * BLOCK_MB, (grown, after)
    assert after < start + 0.1 * BLOCK_MB, (start, after)


@pytest.mark.skipif(keras.backend.backend() not in backend_lib.BACKENDS,
                    reason="no profiler on this backend")
@resettable
def test_the_backend_falls_back_to_the_host_peak_on_a_cpu():
    from keras_timing.profiling import backends

    profiler = backends.get()
    if profiler.device_name() is not None:
        pytest.skip("a device keeps its own peak")
    start, grown, after = measure(profiler.reset_peak_memory,
                                  profiler.peak_memory_mb)
    assert grown >= start + 0.9 * BLOCK_MB
    assert after < grown - 0.9 * BLOCK_MB


def test_a_system_that_cannot_reset_keeps_the_process_peak(monkeypatch):
    monkeypatch.setattr(memory, "_CLEAR_REFS", "/nonexistent/clear_refs")
    monkeypatch.setattr(memory, "_fd", None)
    monkeypatch.setattr(memory, "_resettable", None)
    assert memory.reset_peak() is False
    touch_and_free(BLOCK_MB)
    peak = memory.peak_mb()
    assert memory.reset_peak() is False
    assert memory.peak_mb() >= peak
