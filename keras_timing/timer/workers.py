"""Which process of a multi-worker job this is, and where it writes.

Read from `TF_CONFIG` (`tf.distribute.MultiWorkerMirroredStrategy` and
friends) or, on the JAX backend, from `jax.process_index()` once JAX is
imported. Nothing here imports TensorFlow, and JAX is only asked when the
program already imported it.

The chief (task type "chief", or worker 0 when the cluster has none; on JAX,
process 0) is `worker_0` and writes the shared run folders; worker k writes
its own per-step points into `<launch>/<run>/worker_<k>/`.
"""

import hashlib
import json
import os
import sys
from dataclasses import dataclass

from keras_timing.schema import WORKER_PREFIX


@dataclass(frozen=True)
class WorkerInfo:
    index: int = 0
    count: int = 1
    is_chief: bool = True
    # Same on every process of one job; "" for a single process.
    cluster_key: str = ""

    @property
    def multi(self):
        return self.count > 1

    @property
    def folder(self):
        """Sub-folder of a run for this worker's points; None for the chief."""
        return None if self.is_chief else "%s%d" % (WORKER_PREFIX, self.index)

    def shared_launch_name(self):
        """A launch folder name every process of the job derives alike."""
        digest = hashlib.sha1(self.cluster_key.encode()).hexdigest()[:8]
        return "multiworker-%s" % digest


SINGLE = WorkerInfo()


def from_tf_config(text):
    """The `WorkerInfo` a `TF_CONFIG` JSON string describes, or None."""
    try:
        config = json.loads(text)
        cluster = config.get("cluster") or {}
        task = config.get("task") or {}
        kind = task.get("type")
        index = int(task.get("index", 0))
    except (ValueError, TypeError, AttributeError):
        return None
    chiefs = list(cluster.get("chief") or [])
    workers = list(cluster.get("worker") or [])
    count = len(chiefs[:1]) + len(workers)
    if count <= 1 or kind not in ("chief", "worker"):
        # One process, or an evaluator / parameter server: not a training
        # worker of the job (it writes as a single process would).
        return None
    if kind == "chief":
        global_index = 0
    else:
        global_index = index + (1 if chiefs else 0)
    key = json.dumps({k: sorted(v) if isinstance(v, list) else v
                      for k, v in sorted(cluster.items())}, sort_keys=True)
    return WorkerInfo(global_index, count, global_index == 0, "tf:" + key)


def _from_jax():
    jax = sys.modules.get("jax")
    if jax is None:
        return None
    try:
        count = int(jax.process_count())
        if count <= 1:
            return None
        index = int(jax.process_index())
        address = ""
        try:
            from jax._src import distributed

            address = str(distributed.global_state.coordinator_address or "")
        except Exception:
            pass
        return WorkerInfo(index, count, index == 0,
                          "jax:%s:%d" % (address, count))
    except Exception:
        return None


def load_per_core():
    """The machine's load (1-minute average of runnable processes) over the
    cores this process may run on; NaN where the system does not say.

    Above 1, other work competes with the run for the cores, and its steps
    may hold that wait.

    >>> load_per_core() >= 0 or load_per_core() != load_per_core()
    True
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        return os.getloadavg()[0] / max(cores, 1)
    except (AttributeError, OSError):
        return float("nan")


def worker_info(backend=None, environ=None):
    """This process's place in a multi-worker job; single process if none.

    Args:
        backend: The Keras backend name (default: `keras.backend.backend()`
            if Keras is imported).
        environ: Mapping to read `TF_CONFIG` from (default: `os.environ`).
    """
    environ = os.environ if environ is None else environ
    if backend is None:
        keras = sys.modules.get("keras")
        try:
            backend = keras.backend.backend() if keras is not None else None
        except Exception:
            backend = None
    if backend == "jax":
        info = _from_jax()
        if info is not None:
            return info
    text = environ.get("TF_CONFIG")
    if text and backend in (None, "tensorflow"):
        info = from_tf_config(text)
        if info is not None:
            return info
    return SINGLE
