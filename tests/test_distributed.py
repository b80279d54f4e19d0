"""Distributed training: DataParallel (JAX), MirroredStrategy and a real
two-process MultiWorkerMirroredStrategy (TensorFlow) on this machine.

Each distributed run is its own subprocess (device counts and strategies are
fixed at start-up); the tests read back what it wrote.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import keras
import pytest
from conftest import read_scalars, steps_of, values_of
from two_processes import TF_WORKER
from two_processes import free_ports
from two_processes import two_processes

from keras_timing import cli
from keras_timing import schema
from keras_timing import report
from keras_timing.profiling import cluster
from keras_timing.timer import workers
from keras_timing.analysis.steps import StepTime

BACKEND = keras.backend.backend()
GLOBAL_BATCH = 32


def _run_script(tmp_path, name, source, env=None, timeout=600):
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "logs")],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _samples(points, rates):
    """Samples per point, from `samples_per_sec * (batch + wait)`."""
    batch = dict(points[schema.BATCH_MS])
    wait = dict(points[schema.INPUT_WAIT_MS])
    return [rate * (batch[s] + wait[s]) / 1e3 for s, rate in rates]


def _assert_global_batch(run_dir, steps):
    points = read_scalars(run_dir)
    assert steps_of(points[schema.BATCH_MS]) == list(range(1, steps + 1))
    rates = points[schema.SAMPLES_PER_SEC]
    assert steps_of(rates) == list(range(1, steps + 1))
    # The global batch (32), not a replica's share (32 / replicas).
    assert values_of([(0, n) for n in _samples(points, rates)]) == \
        pytest.approx(GLOBAL_BATCH, rel=1e-3)


# ---- one process, several devices ----------------------------------------

_DATA_PARALLEL = """
    import sys
    import jax
    import keras
    from keras_timing import FitPredictTimer, demo

    devices = jax.devices()
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices))
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run", verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    print("devices", len(devices), "processes", jax.process_count(),
          "chief", timer.worker.is_chief)
"""


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution on JAX")
def test_jax_data_parallel_counts_the_global_batch(tmp_path):
    out = _run_script(tmp_path, "dp.py", _DATA_PARALLEL, env={
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4"})
    assert "devices 4 processes 1 chief True" in out
    _assert_global_batch(str(tmp_path / "logs" / "run" / schema.TRAIN), 20)
    _assert_global_batch(str(tmp_path / "logs" / "run" / schema.PREDICT), 10)


_MIRRORED = """
    import sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 4)
    import keras
    from keras_timing import FitPredictTimer, demo

    strategy = tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices("CPU")])
    with strategy.scope():
        model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run", verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    print("replicas", strategy.num_replicas_in_sync)
"""


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_mirrored_strategy_counts_the_global_batch(tmp_path):
    out = _run_script(tmp_path, "mirrored.py", _MIRRORED)
    assert "replicas 4" in out
    _assert_global_batch(str(tmp_path / "logs" / "run" / schema.TRAIN), 20)
    _assert_global_batch(str(tmp_path / "logs" / "run" / schema.PREDICT), 10)


# ---- two worker processes ------------------------------------------------

_MULTI_WORKER = TF_WORKER + """
    import numpy as np

    class Straggler(keras.callbacks.Callback):
        # Real host work after each step of this worker only.
        def on_train_batch_end(self, batch, logs=None):
            a = np.random.default_rng(batch).random((200, 200))
            for _ in range(40):
                a = a @ a
                a /= np.abs(a).max()

    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(
        32, drop_remainder=True)   # a static global batch size
    timer = FitPredictTimer(log_dir=log_dir, launch_name="run", verbose=0)
    model.fit(data, epochs=2, verbose=0,
              callbacks=[timer] + ([Straggler()] if index == 1 else []))
    print("pid", os.getpid(), "worker", timer.worker.index,
          "chief", timer.worker.is_chief, "dir", timer.launch_dir)
"""


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_two_workers_write_their_own_points_and_the_straggler_shows(
        tmp_path, capsys):
    log_dir, outs = two_processes(tmp_path, _MULTI_WORKER,
                                  ",".join(free_ports(2)),
                                  env={"KERAS_BACKEND": "tensorflow"})
    pids = [int(re.search(r"pid (\d+)", out).group(1)) for out, _ in outs]
    assert "worker 0 chief True" in outs[0][0]
    assert "worker 1 chief False" in outs[1][0]

    def pids_of(folder):
        # events.out.tfevents.<time>.<host>.<pid>.<n>.keras_timing
        return {int(re.search(r"\.(\d+)\.\d+\.keras_timing$", f).group(1))
                for f in os.listdir(folder) if "tfevents" in f}

    shared = log_dir / "run" / schema.TRAIN
    own = shared / "worker_1"
    # Only the chief writes the shared run; worker 1 writes its own folder.
    assert pids_of(shared) == {pids[0]}
    assert pids_of(own) == {pids[1]}
    assert sorted(os.listdir(log_dir)) == ["run"]
    # tbparse reads sub-folders too: the chief's file alone.
    (chief_file,) = [f for f in os.listdir(shared) if "tfevents" in f]
    chief = read_scalars(str(shared / chief_file))
    second = read_scalars(str(own))
    assert steps_of(chief[schema.BATCH_MS]) == list(range(1, 21))
    assert steps_of(second[schema.BATCH_MS]) == list(range(1, 21))
    # Each worker reads its share, the adapter says the global batch.
    for points in (chief, second):
        assert values_of([(0, n) for n in _samples(
            points, points[schema.SAMPLES_PER_SEC])]) == pytest.approx(
                GLOBAL_BATCH, rel=1e-3)

    assert cli.main(["report", str(log_dir), "--json"]) == 0
    (launch,) = json.loads(capsys.readouterr().out)
    spread = launch["workers"][schema.TRAIN]
    assert spread["workers"] == 2
    assert spread["steps_compared"] == 19      # the first (compile) left out
    # Worker 1 made the chief wait, step after step.
    assert spread["straggler"]["worker_1"] >= 0.8 * spread["steps_compared"]
    per = spread["per_worker"]
    assert (per["worker_1"]["p50_input_wait_ms"]
            > 5 * per["worker_0"]["p50_input_wait_ms"])
    assert spread["p50_spread_ms"] > 0
    assert cli.main(["report", str(log_dir)]) == 0
    text = capsys.readouterr().out
    assert "Workers of train: 2 workers" in text
    assert re.search(r"steps: worker_1 \d+, worker_0 \d+", text)


# ---- pure and one-process checks (every backend) -------------------------

def _tf_config(task_type, index, chief=False):
    cluster = {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]}
    if chief:
        cluster["chief"] = ["127.0.0.1:2000"]
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {
        "type": task_type, "index": index}})}


def _from_tf_config(task_type, index, chief=False):
    return cluster.from_tf_config(
        _tf_config(task_type, index, chief)["TF_CONFIG"])


def test_worker_info_from_tf_config():
    info = _from_tf_config("worker", 1)
    assert (info.index, info.count, info.is_chief) == (1, 2, False)
    assert info.folder == "worker_1"
    chief = _from_tf_config("worker", 0)
    assert chief.is_chief and chief.folder is None
    assert chief.shared_launch_name() == info.shared_launch_name()
    # With a "chief" task, the chief is worker_0 and workers count from 1.
    assert _from_tf_config("chief", 0, chief=True).index == 0
    assert _from_tf_config("worker", 0, chief=True).folder == "worker_1"
    assert _from_tf_config("evaluator", 0) is None
    assert cluster.from_tf_config("{bad") is None
    assert cluster.from_tf_config("[]") is None


def test_the_running_backend_says_whether_tf_config_names_this_process():
    # TF_CONFIG describes a TensorFlow job: only that backend reads it.
    info = workers.worker_info(environ=_tf_config("worker", 1))
    if BACKEND == "tensorflow":
        assert (info.index, info.count, info.folder) == (1, 2, "worker_1")
    else:
        assert info == workers.SINGLE
    assert workers.worker_info(environ={}) == workers.SINGLE
    assert workers.worker_info(environ={"TF_CONFIG": "{bad"}) \
        == workers.SINGLE


def _times(batch, wait):
    return [StepTime(s, s, b, w, 0.0, "first" if s == 1 else None)
            for s, (b, w)
            in enumerate(zip(batch, wait), start=1)]


def test_worker_spread_names_the_worker_the_others_waited_for():
    # worker_1 is late to every step (host work); the chief waits for it
    # inside its own step, so the chief's batch_ms is the long one.
    result = report.worker_spread({
        "worker_0": _times([500, 41, 42, 40, 43], [0, 1, 1, 1, 1]),
        "worker_1": _times([500, 11, 12, 10, 9], [0, 30, 31, 29, 33]),
    })
    assert result["steps_compared"] == 4
    assert result["straggler"] == {"worker_0": 0, "worker_1": 4}
    assert result["p50_spread_ms"] == 30
    assert result["max_spread_ms"] == 34
    assert result["per_worker"]["worker_1"]["p50_input_wait_ms"] == 31


@pytest.mark.skipif(BACKEND != "tensorflow",
                    reason="TF_CONFIG is read on the TensorFlow backend")
def test_a_non_chief_worker_writes_only_its_own_folder(tmp_path, dense,
                                                       monkeypatch):
    from keras_timing import FitPredictTimer

    monkeypatch.setenv("TF_CONFIG", _tf_config("worker", 1)["TF_CONFIG"])
    model, x, y = dense
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    with pytest.warns(UserWarning, match="launch_name"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer])
    name = workers.worker_info().shared_launch_name()
    assert timer.launch_dir == str(tmp_path / name)
    train = tmp_path / name / schema.TRAIN
    assert [f for f in os.listdir(train) if "tfevents" in f] == []
    points = read_scalars(str(train / "worker_1"))
    assert steps_of(points[schema.BATCH_MS]) == list(range(1, 11))
