"""FLOPs, utilisation and memory tags, read back from the event files."""

import os

import keras
import pytest

from conftest import read_scalars
from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from timer.cnn_run import ANALYTIC
from timer.cnn_run import TRAIN_FLOPS
from timer.cnn_run import timed_cnn


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    return timed_cnn(tmp_path_factory.mktemp("t"))


@pytest.mark.parametrize("run, analytic, high", ANALYTIC)
def test_flops_per_sample_near_the_analytic_count(cnn_run, run, analytic,
                                                  high):
    scalars = read_scalars(os.path.join(cnn_run.launch_dir, run))
    ((step, flops),) = scalars[schema.FLOPS_PER_SAMPLE]   # once per call
    assert step == 1
    assert 0.99 * analytic <= flops <= high * analytic


@pytest.mark.parametrize("run", [schema.TRAIN, schema.PREDICT])
def test_tflops_per_point_and_memory_peaks_are_written(cnn_run, run):
    scalars = read_scalars(os.path.join(cnn_run.launch_dir, run))
    flops = scalars[schema.FLOPS_PER_SAMPLE][0][1]
    rate = dict(scalars[schema.SAMPLES_PER_SEC])
    tflops = dict(scalars[schema.TFLOPS_PER_SEC])
    assert set(tflops) == set(rate)
    for step, value in tflops.items():
        assert value == pytest.approx(rate[step] * flops / 1e12, rel=1e-5)
    mfu = dict(scalars[schema.MFU])
    assert set(mfu) == set(rate) and all(v > 0 for v in mfu.values())
    peaks = scalars[schema.PEAK_MEMORY_MB]
    # The process holds TensorFlow/JAX/torch and the model: tens of MB at
    # least, and far below the machine's memory.
    assert peaks and all(10 < mb < 24 * 1024 for _, mb in peaks)


def test_summary_has_the_throughput_figures(cnn_run):
    summary = cnn_run.summaries()[schema.TRAIN]
    assert summary["flops_per_sample"] >= 0.99 * TRAIN_FLOPS
    assert summary["tflops_per_sec"] == pytest.approx(
        summary["flops_per_sample"] * summary["samples_per_sec"] / 1e12)
    assert summary["peak_memory_mb"] > 10


def test_another_models_calls_get_no_flops(tmp_path):
    model, x, y = demo.dense_example(keras, samples=64)
    other, ox, _ = demo.dense_example(keras, samples=64)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="m", verbose=0,
                            count_flops=True)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    other.predict(ox, batch_size=32, verbose=0, callbacks=[timer])
    timer.flush()   # any count has landed: its absence says something
    runs = sorted(os.listdir(timer.launch_dir))
    (foreign,) = [r for r in runs if r.startswith("predict_")]
    scalars = read_scalars(os.path.join(timer.launch_dir, foreign))
    assert schema.FLOPS_PER_SAMPLE not in scalars


def test_short_calls_are_not_slowed_by_counting_unless_asked(tmp_path):
    model, x, y = demo.dense_example(keras, samples=64)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="auto",
                            verbose=0)            # count_flops="auto"
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    timer.flush()
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert schema.FLOPS_PER_SAMPLE not in scalars   # a call under 20 s
    with pytest.raises(ValueError, match="count_flops"):
        FitPredictTimer(log_dir=str(tmp_path), count_flops="yes")
