"""A run that died mid-fit has no summary scalars: the report rebuilds its
figures from the points alone. Checked against the data sizes the fit was
fed and a bare clock in the same process."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import report
from keras_timing import schema

SAMPLES, BATCH = 330, 32   # 10 full batches and one of 10, per epoch

SCRIPT = r'''
import json, sys, time
import keras
import numpy as np
from keras_timing import FitPredictTimer

log_dir, spe, kill_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


class Clock(keras.callbacks.Callback):
    """Epoch begins, batch begins and ends, nothing else."""

    def __init__(self):
        super().__init__()
        self.marks = []

    def on_epoch_begin(self, epoch, logs=None):
        self.marks.append(("epoch", time.perf_counter()))

    def on_train_batch_begin(self, batch, logs=None):
        self.marks.append(("begin", time.perf_counter()))

    def on_train_batch_end(self, batch, logs=None):
        self.marks.append(("end", time.perf_counter()))


class Kill(keras.callbacks.Callback):
    calls = 0

    def on_train_batch_begin(self, batch, logs=None):
        Kill.calls += 1
        if Kill.calls == kill_at:
            raise RuntimeError("killed")


# Steps of a few ms, so that the microseconds between two hooks of the same
# step do not count.
model = keras.Sequential([keras.Input((256,)),
                          keras.layers.Dense(1024, activation="relu"),
                          keras.layers.Dense(1024, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", steps_per_execution=spe)
x = np.random.rand(%d, 256).astype("float32")
y = np.random.rand(len(x), 1).astype("float32")
timer = FitPredictTimer(log_dir=log_dir, launch_name="dead", verbose=0)
clock = Clock()
try:
    model.fit(x, y, epochs=3, batch_size=%d, verbose=0,
              callbacks=[timer, clock, Kill()])
except RuntimeError:
    pass
json.dump(clock.marks, open(log_dir + "/clock.json", "w"))
# No end hook ran; the timer's exit handler writes what is left.
''' % (SAMPLES, BATCH)


def _executions(spe, calls):
    """Samples of each train-function call the fit made before the kill."""
    sizes = [BATCH] * (SAMPLES // BATCH) + [SAMPLES % BATCH]
    per_epoch = [sizes[i:i + spe] for i in range(0, len(sizes), spe)]
    out = []
    while len(out) < calls:
        out += per_epoch
    return out[:calls]


@pytest.fixture(scope="module", params=[1, 3], ids=["spe1", "spe3"])
def dead_run(request, tmp_path_factory):
    spe = request.param
    if spe > 1 and keras.backend.backend() == "torch":
        pytest.skip("Keras allows steps_per_execution=1 only on torch")
    log_dir = str(tmp_path_factory.mktemp("dead"))
    # Killed at the begin of the 3rd call of the 2nd epoch.
    per_epoch = -(-(SAMPLES // BATCH + 1) // spe)
    done = per_epoch + 2
    subprocess.run([sys.executable, "-c", SCRIPT, log_dir, str(spe),
                    str(done + 1)], check=True, capture_output=True,
                   timeout=300)
    marks = json.load(open(os.path.join(log_dir, "clock.json")))
    return log_dir, spe, _executions(spe, done), marks


def test_the_dead_run_wrote_no_summary(dead_run):
    log_dir, _, _, _ = dead_run
    scalars = read_scalars(os.path.join(log_dir, "dead", schema.TRAIN))
    assert schema.BATCH_MS in scalars
    assert not [t for t in scalars if t.startswith(schema.SUMMARY_SCALARS)]


def test_each_rebuilt_point_has_its_steps_and_samples(dead_run):
    log_dir, _, executions, _ = dead_run
    times = report.read_run(os.path.join(log_dir, "dead", schema.TRAIN))
    assert [t.steps for t in times] == [len(e) for e in executions]
    assert [t.samples for t in times] == [sum(e) for e in executions]
    assert times[-1].last_step == sum(len(e) for e in executions)


def test_rebuilt_step_count(dead_run):
    log_dir, spe, executions, _ = dead_run
    (launch,) = report.report(log_dir)
    assert launch["runs"][schema.TRAIN]["steps"] == sum(
        len(e) for e in executions)


def test_rebuilt_figures_match_the_data_and_a_bare_clock(dead_run):
    log_dir, spe, executions, marks = dead_run
    (launch,) = report.report(log_dir)
    train = launch["runs"][schema.TRAIN]
    # The bare clock's interval per call: from the previous batch end to
    # this batch end; an epoch's first from its begin hook (the time from
    # epoch begin to there is the epoch's start, apart from the steps).
    intervals, last = [], None
    for kind, at in marks:
        if kind == "epoch":
            last = None
        elif kind == "begin" and last is None:
            last = at
        elif kind == "end":
            intervals.append((at - last) * 1e3)
            last = at
    assert len(intervals) == len(executions)
    # The fit's first call and the calls that compiled again (the partial
    # batch, on JAX) are left out of the figures; which they were, tbparse
    # reads from the file.
    scalars = read_scalars(os.path.join(log_dir, "dead", schema.TRAIN))
    compiled = {s for tag in (schema.FIRST_BATCH_MS, schema.RECOMPILE_MS,
                              schema.OVERLAP_MS)
                for s, _ in scalars.get(tag, [])}
    ends = np.cumsum([len(e) for e in executions])
    kept = [i for i, end in enumerate(ends) if end not in compiled]
    assert 0 not in kept and len(kept) >= len(executions) - 3
    # Warm-up: the first epoch is left out once the later epochs hold as
    # many counted calls (README, "What the numbers mean").
    per_epoch = -(-(SAMPLES // BATCH + 1) // spe)
    later = [i for i in kept if i >= per_epoch]
    steps = [sum(len(executions[i]) for i in part)
             for part in ([i for i in kept if i < per_epoch], later)]
    if later and steps[1] >= steps[0]:
        kept = later
    samples = np.array([sum(executions[i]) for i in kept])
    ms = np.array([intervals[i] for i in kept])
    assert train["samples_per_sec"] == pytest.approx(
        samples.sum() * 1e3 / ms.sum(), rel=0.03)
    assert train["ms_per_sample"] == pytest.approx(
        ms.sum() / samples.sum(), rel=0.03)
