"""The device's peak FLOP/s: a datasheet table for GPUs, a measurement on a
CPU.

`peak_flops(device, dtype)` looks a GPU up by name in `GPU_PEAKS`, dense
(no structured sparsity) tensor-core figures from NVIDIA's datasheets, and
labels the result "of <dtype> datasheet peak". Without a device (a CPU) it
measures a float32 matmul once per process (`measured_cpu_peak`), labelled
"of measured peak": model FLOPs utilisation on a CPU is then a share of
what this process's BLAS reaches, not of a vendor figure. An unknown GPU
gives (None, why).

float32 means plain FP32 units; TensorFlow and JAX may run float32 matmuls
on TF32 tensor cores (Ampere and later), which reach several times more:
ask for "tfloat32" then.

Example:

>>> peak_flops("NVIDIA H100 80GB HBM3", "bfloat16")
(989000000000000.0, 'of bfloat16 datasheet peak')
>>> peak_flops("NVIDIA A100-SXM4-80GB", "mixed_float16")[0] / 1e12
312.0
>>> peak_flops("Tesla T4", "bfloat16")
(None, "no bfloat16 peak known for 'Tesla T4'")
"""

import threading
import time

import numpy as np

T = 1e12
# (name fragment, {dtype: dense peak FLOP/s}); the first fragment found in
# the lower-cased device name wins, so longer names come first
# ("h100 nvl" before "h100", "a100" before "a10", "l40s" before "l4").
GPU_PEAKS = (
    ("h200 nvl", {"float64": 60 * T, "float32": 60 * T, "tfloat32": 418 * T,
                  "bfloat16": 835 * T, "float16": 835 * T,
                  "float8": 1670 * T, "int8": 1670 * T}),
    ("h200", {"float64": 67 * T, "float32": 67 * T, "tfloat32": 494 * T,
              "bfloat16": 989 * T, "float16": 989 * T, "float8": 1979 * T,
              "int8": 1979 * T}),
    ("h100 nvl", {"float64": 60 * T, "float32": 60 * T, "tfloat32": 418 * T,
                  "bfloat16": 835 * T, "float16": 835 * T,
                  "float8": 1670 * T, "int8": 1670 * T}),
    ("h100 pcie", {"float64": 51 * T, "float32": 51 * T,
                   "tfloat32": 378 * T, "bfloat16": 756 * T,
                   "float16": 756 * T, "float8": 1513 * T,
                   "int8": 1513 * T}),
    ("h100", {"float64": 67 * T, "float32": 67 * T, "tfloat32": 494 * T,
              "bfloat16": 989 * T, "float16": 989 * T, "float8": 1979 * T,
              "int8": 1979 * T}),
    ("a100", {"float64": 19.5 * T, "float32": 19.5 * T, "tfloat32": 156 * T,
              "bfloat16": 312 * T, "float16": 312 * T, "int8": 624 * T}),
    ("a10g", {"float32": 31.2 * T, "tfloat32": 62.5 * T,
              "bfloat16": 125 * T, "float16": 125 * T, "int8": 250 * T}),
    ("a10", {"float32": 31.2 * T, "tfloat32": 62.5 * T, "bfloat16": 125 * T,
             "float16": 125 * T, "int8": 250 * T}),
    ("l40s", {"float32": 91.6 * T, "tfloat32": 183 * T, "bfloat16": 362 * T,
              "float16": 362 * T, "float8": 733 * T, "int8": 733 * T}),
    ("l4", {"float32": 30.3 * T, "tfloat32": 60 * T, "bfloat16": 121 * T,
            "float16": 121 * T, "float8": 242 * T, "int8": 242 * T}),
    ("t4", {"float32": 8.1 * T, "float16": 65 * T, "int8": 130 * T}),
    ("v100s", {"float64": 8.2 * T, "float32": 16.4 * T, "float16": 130 * T}),
    ("v100-pcie", {"float64": 7 * T, "float32": 14 * T, "float16": 112 * T}),
    ("v100", {"float64": 7.8 * T, "float32": 15.7 * T, "float16": 125 * T}),
    ("rtx 4090", {"float32": 82.6 * T, "tfloat32": 82.6 * T,
                  "bfloat16": 165.2 * T, "float16": 165.2 * T}),
    ("rtx 3090", {"float32": 35.6 * T, "tfloat32": 35.6 * T,
                  "bfloat16": 71 * T, "float16": 71 * T}),
)

_cpu_peak = None
_cpu_lock = threading.Lock()


def peak_flops(device=None, dtype="float32"):
    """The peak FLOP/s to divide achieved FLOP/s by, and what it is.

    Args:
        device: The GPU's name as the framework gives it ("NVIDIA H100
            80GB HBM3", "Tesla T4", ...), or None for the CPU.
        dtype: The compute dtype: "float32", "bfloat16", "float16", ...,
            or a Keras policy name ("mixed_bfloat16").

    Returns:
        (flops_per_sec, label): the label says which peak ("of bfloat16
        datasheet peak", "of measured peak"); flops_per_sec is None, with
        the reason as label, for an unknown GPU or dtype.
    """
    dtype = str(dtype).replace("mixed_", "")
    if device is None:
        return measured_cpu_peak(), "of measured peak"
    name = str(device).lower()
    for fragment, peaks in GPU_PEAKS:
        if fragment in name:
            if dtype in peaks:
                return peaks[dtype], "of %s datasheet peak" % dtype
            return None, "no %s peak known for %r" % (dtype, device)
    return None, "no peak known for the device %r" % (device,)


def measured_cpu_peak(size=1024, repeats=5):
    """The best FLOP/s of `repeats` float32 `size` x `size` matmuls, measured
    once per process (it takes a moment: `repeats` + 1 matmuls) and then
    remembered.

    The matmul runs in numpy's BLAS with all its threads: what the CPU
    reaches on a dense float32 matmul, a ceiling no model step beats by
    much.
    """
    global _cpu_peak
    with _cpu_lock:
        if _cpu_peak is None:
            a = np.random.default_rng(0).random((size, size), np.float32)
            np.dot(a, a)  # BLAS threads start on the first call
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                np.dot(a, a)
                best = min(best, time.perf_counter() - t)
            _cpu_peak = 2.0 * size ** 3 / best
        return _cpu_peak
