"""The peak FLOP/s table and the CPU's measured peak (`profiling/peak.py`)."""

import keras
import pytest

from keras_timing import backend as backend_lib
from keras_timing.profiling import peak


@pytest.mark.parametrize("device, dtype, expected", [
    ("NVIDIA H100 80GB HBM3", "bfloat16", 989e12),
    ("NVIDIA H100 PCIe", "bfloat16", 756e12),
    ("NVIDIA H100 NVL", "float16", 835e12),
    ("NVIDIA H200", "float32", 67e12),
    ("NVIDIA A100-SXM4-80GB", "tfloat32", 156e12),
    ("NVIDIA A10G", "float32", 31.2e12),
    ("NVIDIA L40S", "bfloat16", 362e12),
    ("NVIDIA L4", "bfloat16", 121e12),
    ("Tesla V100-PCIE-16GB", "float16", 112e12),
    ("Tesla V100-SXM2-16GB", "float16", 125e12),
    ("Tesla T4", "mixed_float16", 65e12),
])
def test_a_gpu_is_found_by_its_name(device, dtype, expected):
    found, label = peak.peak_flops(device, dtype)
    assert found == expected
    assert label == "of %s datasheet peak" % dtype.replace("mixed_", "")


def test_an_unknown_gpu_or_dtype_gives_none_and_says_why():
    assert peak.peak_flops("Radeon 7900", "float32") == (
        None, "no peak known for the device 'Radeon 7900'")
    assert peak.peak_flops("Tesla T4", "float8") == (
        None, "no float8 peak known for 'Tesla T4'")


def test_a_longer_name_comes_before_any_name_inside_it():
    fragments = [f for f, _ in peak.GPU_PEAKS]
    for i, early in enumerate(fragments):
        for late in fragments[i + 1:]:
            assert early not in late, (early, late)


def test_the_cpu_peak_is_measured_once_per_process():
    flops, label = peak.peak_flops(None)
    assert label == "of measured peak"
    # A 2-core CPU of this decade: between 1 GFLOP/s and 10 TFLOP/s.
    assert 1e9 < flops < 1e13
    assert peak.peak_flops() == (flops, label)
    assert peak.measured_cpu_peak() == flops


@pytest.mark.skipif(keras.backend.backend() not in backend_lib.BACKENDS,
                    reason="no profiler on this backend")
def test_the_backend_asks_the_table_with_its_device_name():
    from keras_timing.profiling import backends

    profiler = backends.get()
    assert profiler.peak_flops("bfloat16") == peak.peak_flops(
        profiler.device_name(), "bfloat16")
