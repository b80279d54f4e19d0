"""The three known cases get the right verdict, end to end on the running
backend: a real fit with the timer, its summary scalars read back from the
event files (tbparse), and the verdict computed from what was read.

Run once per backend: KERAS_BACKEND=tensorflow|jax|torch.
"""

import json
import os
import time

import keras
import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import FitPredictTimer
from keras_timing import schema
from keras_timing.demo import cnn_example
from keras_timing.demo import dense_example
from keras_timing.report import report
from keras_timing.report import to_json_ready
from keras_timing.report import to_text
from keras_timing.analysis.figures import SUMMARY_FIELDS
from keras_timing.analysis.verdict import verdict

SLEEP_S = 0.005
# Where Keras reads the batch: inside the timed step on TensorFlow and JAX,
# before its begin hook on torch (the timer passes the same).
DATA_IN_STEP = keras.backend.backend() != "torch"


class SlowBatches(keras.utils.PyDataset):
    """Batches of arrays, each read after a 5 ms wait (a slow disk)."""

    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        time.sleep(SLEEP_S)  # the input pipeline's cost, not work
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part], self.y[part]


def written_summary(run_dir):
    """The run's last `timing_summary/<field>` values, read back."""
    scalars = read_scalars(run_dir)
    summary = {"run": os.path.basename(run_dir)}
    for field in SUMMARY_FIELDS:
        points = scalars.get(schema.SUMMARY_SCALARS + field)
        if points:
            summary[field] = points[-1][1]
    return summary


def fit_and_read(tmp_path, make, data, **fit_kwargs):
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            count_flops=True)
    make(timer, data, fit_kwargs)
    timer.flush()
    return timer.launch_dir, written_summary(
        os.path.join(timer.launch_dir, schema.TRAIN))


def _fit(timer, data, fit_kwargs):
    """A one-batch fit compiles the step first: these cases are about the
    steps, and a short run's compilation would be the `compile` verdict."""
    model, x, y = data
    if isinstance(x, keras.utils.PyDataset):
        model.fit(SlowBatches(x.x[:x.batch_size], x.y[:x.batch_size],
                              x.batch_size), verbose=0)
        model.fit(x, verbose=0, callbacks=[timer], **fit_kwargs)
    else:
        size = fit_kwargs["batch_size"]
        model.fit(x[:size], y[:size], batch_size=size, verbose=0)
        model.fit(x, y, verbose=0, callbacks=[timer], **fit_kwargs)


def test_slow_py_dataset_is_input_bound(tmp_path):
    model, x, y = dense_example(keras, samples=640)
    launch, summary = fit_and_read(
        tmp_path, _fit, (model, SlowBatches(x, y, 32), None), epochs=3)
    result = verdict(summary, data_in_step=DATA_IN_STEP)
    assert result["bound"] == "input", (summary, result)
    assert "input wait" in result["why"]
    assert "prefetch" in " ".join(result["advice"])


def test_dense_at_batch_32_is_host_bound(tmp_path):
    # 1024 samples: no partial last batch to compile again.
    model, x, y = dense_example(keras, samples=1024)
    launch, summary = fit_and_read(tmp_path, _fit, (model, x, y),
                                   epochs=4, batch_size=32)
    result = verdict(summary, data_in_step=DATA_IN_STEP)
    assert result["bound"] == "host", (summary, result)
    # Only what explain can try on the backend: torch refuses
    # steps_per_execution > 1.
    assert ("steps_per_execution=8" in " ".join(result["advice"])) == (
        keras.backend.backend() != "torch")


def test_cnn_at_batch_256_is_compute_bound(tmp_path):
    model, x, y = cnn_example(keras, samples=2560)
    launch, summary = fit_and_read(tmp_path, _fit, (model, x, y),
                                   epochs=2, batch_size=256)
    assert summary["steps"] == 20
    result = verdict(summary, data_in_step=DATA_IN_STEP)
    assert result["bound"] == "compute", (summary, result)
    assert "jit_compile=true" in " ".join(result["advice"])
    # The report says the same, in its JSON and its text.
    launches = json.loads(json.dumps(to_json_ready(report(str(tmp_path)))))
    written = launches[0]["runs"][schema.TRAIN]["verdict"]
    assert written["bound"] == "compute"
    assert written["why"] == result["why"]
    assert "train: compute-bound: " + result["why"] in to_text(
        report(str(tmp_path)))
