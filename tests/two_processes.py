"""Two worker processes of one script on loopback: the set-up of the
multi-process tests (`test_distributed.py`, `programs/test_scope.py`)."""

import os
import socket
import subprocess
import sys
import textwrap

# The start of a MultiWorkerMirroredStrategy worker script (argv: log_dir,
# index, "port,port"), indented as the scripts are: TF_CONFIG, Keras 3's
# multi-worker workaround, and the article's dense model built on this
# worker. Defines log_dir, index, tf, keras, strategy, model, x, y.
TF_WORKER = """
    import json
    import os
    import sys

    log_dir, index, ports = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": ["127.0.0.1:" + p for p in ports.split(",")]},
        "task": {"type": "worker", "index": index}})
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf
    import keras
    import keras.src.backend.tensorflow.trainer as tf_trainer
    from keras_timing import FitPredictTimer, demo

    # Keras 3 and MultiWorkerMirroredStrategy (keras-team/keras#20585): its
    # cross-worker reduction of the logs fails on scalars; reduce them per
    # worker (the gradients are still all-reduced every step).
    tf_trainer._collective_all_reduce_multi_worker = lambda strategy: False
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model, x, y = demo.dense_example(keras, samples=320)

    def build_locally(iterator=None, data_batch=None):
        # The same issue: its build step reduces a batch across workers.
        with strategy.scope():
            model._symbolic_build(data_batch=(x[:32], y[:32]))

    model._maybe_symbolic_build = build_locally
"""


def free_ports(n):
    """`n` distinct free loopback ports, as strings.

    >>> len(set(free_ports(2)))
    2
    """
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [str(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def two_processes(tmp_path, source, *args, env=None, timeout=600):
    """Runs `source` as `python worker.py LOG_DIR INDEX *args` for INDEX 0
    and 1 at once, and fails the test unless both exit with 0.

    Args:
        tmp_path: The test's folder: the script and `logs/` go there.
        source: The worker script's text (dedented here).
        *args: Further arguments of both workers (the ports).
        env: Variables set in both workers, over this process's.
        timeout: Seconds each worker may take (two processes start slowly
            on a busy machine).

    Returns:
        `(log_dir, outs)`: the log folder, and each worker's (stdout,
        stderr).
    """
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(source))
    log_dir = tmp_path / "logs"
    procs = [subprocess.Popen(
        [sys.executable, str(script), str(log_dir), str(i), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})}) for i in (0, 1)]
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=timeout))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    return log_dir, outs
