"""Utilisation against the device's own peak, and FLOPs per sample where one
hook runs several steps (`steps_per_execution`), read back with tbparse."""

import os

import keras
import pytest

from conftest import read_scalars
from keras_timing import schema
from timer.cnn_run import ANALYTIC
from timer.cnn_run import timed_cnn

# Keras's torch backend refuses steps_per_execution > 1.
STEPS_PER_EXECUTION = 1 if keras.backend.backend() == "torch" else 4


@pytest.fixture(scope="module")
def timer(tmp_path_factory):
    return timed_cnn(tmp_path_factory.mktemp("mfu"), STEPS_PER_EXECUTION)


@pytest.mark.parametrize("run, analytic, high", ANALYTIC)
def test_flops_per_sample_of_one_step_whatever_a_call_runs(timer, run,
                                                           analytic, high):
    # A call of 4 steps holds 4 batches: counting the call's FLOPs over
    # one batch's samples would read 4x.
    scalars = read_scalars(os.path.join(timer.launch_dir, run))
    if STEPS_PER_EXECUTION > 1 and run == schema.TRAIN:
        assert {n for _, n in scalars[schema.STEPS]} >= {4}
    ((_, flops),) = scalars[schema.FLOPS_PER_SAMPLE]
    assert 0.99 * analytic <= flops <= high * analytic


@pytest.mark.parametrize("run", [schema.TRAIN, schema.PREDICT])
def test_mfu_is_the_flop_rate_over_this_devices_peak(timer, run):
    from keras_timing.profiling import backends

    # The peak the timer divided by: the datasheet's for a GPU, on a CPU
    # measured once per process (this one) and remembered.
    peak, label = backends.get().peak_flops(
        str(keras.config.dtype_policy().compute_dtype))
    assert peak and label
    scalars = read_scalars(os.path.join(timer.launch_dir, run))
    tflops = dict(scalars[schema.TFLOPS_PER_SEC])
    mfu = dict(scalars[schema.MFU])
    assert mfu and set(mfu) == set(tflops)
    for step, value in mfu.items():
        assert value == pytest.approx(tflops[step] * 1e12 / peak, rel=1e-5)
    summary = timer.summaries()[run]
    assert summary["mfu"] == pytest.approx(
        summary["tflops_per_sec"] * 1e12 / peak, rel=1e-9)
    assert summary["peak_label"] == label
