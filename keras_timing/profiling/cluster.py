"""A job of several processes, as each framework's backend describes it:
which process this is (`WorkerInfo`) and what a step's samples count
(`Scope`).

Pure values, no framework imported: the backends
(`profiling/backends/<framework>.py`, `worker` and `sample_scope`) answer
with them, and the timer (`timer/workers.py`, `timer/keras_loop.py`) asks
the launch's backend instead of naming a framework itself. `TF_CONFIG` is
read here so that it can be tested without TensorFlow.

The chief (task type "chief", or worker 0 when the cluster has none; on JAX,
process 0) is `worker_0` and writes the shared run folders; worker k writes
its own per-step points into `<launch>/<run>/worker_<k>/`.

Example:

>>> import json
>>> info = from_tf_config(json.dumps({
...     "cluster": {"worker": ["host:2001", "host:2002"]},
...     "task": {"type": "worker", "index": 1}}))
>>> (info.index, info.count, info.is_chief, info.folder)
(1, 2, False, 'worker_1')
>>> from_tf_config("{}") is None        # one process
True
"""

import hashlib
import json
from dataclasses import dataclass

from keras_timing.schema import WORKER_PREFIX


@dataclass(frozen=True)
class WorkerInfo:
    """This process's place in a job: `index` of `count` processes.

    Args:
        index: The process's index in the job (0: the chief).
        count: How many processes run the job.
        is_chief: Whether it writes the shared run folders.
        cluster_key: Same on every process of one job; "" for a single
            process (it names the shared launch folder).
    """

    index: int = 0
    count: int = 1
    is_chief: bool = True
    cluster_key: str = ""

    @property
    def multi(self) -> bool:
        return self.count > 1

    @property
    def folder(self) -> str | None:
        """Sub-folder of a run for this worker's points; None for the chief."""
        return None if self.is_chief else "%s%d" % (WORKER_PREFIX, self.index)

    def shared_launch_name(self) -> str:
        """A launch folder name every process of the job derives alike."""
        digest = hashlib.sha1(self.cluster_key.encode()).hexdigest()[:8]
        return "multiworker-%s" % digest


SINGLE = WorkerInfo()


def from_tf_config(text: str) -> WorkerInfo | None:
    """The `WorkerInfo` a `TF_CONFIG` JSON string describes
    (`tf.distribute.MultiWorkerMirroredStrategy` and friends), or None for
    one process, an evaluator or parameter server, or text that is no such
    JSON.

    Args:
        text: The value of the `TF_CONFIG` environment variable.
    """
    try:
        config = json.loads(text)
        cluster = config.get("cluster") or {}
        task = config.get("task") or {}
        task_type = task.get("type")
        index = int(task.get("index", 0))
    except (ValueError, TypeError, AttributeError):
        return None
    chiefs = list(cluster.get("chief") or [])
    workers = list(cluster.get("worker") or [])
    count = len(chiefs[:1]) + len(workers)
    if count <= 1 or task_type not in ("chief", "worker"):
        # One process, or an evaluator / parameter server: not a training
        # worker of the job (it writes as a single process would).
        return None
    if task_type == "chief":
        global_index = 0
    else:
        global_index = index + (1 if chiefs else 0)
    key = json.dumps({k: sorted(v) if isinstance(v, list) else v
                      for k, v in sorted(cluster.items())}, sort_keys=True)
    return WorkerInfo(global_index, count, global_index == 0, "tf:" + key)


GLOBAL, PROCESS = "global", "process"


@dataclass(frozen=True)
class Scope:
    """What a step's samples count: every process's (`GLOBAL`) or this
    process's alone (`PROCESS`), and what turns each count Keras gives into
    it: the data adapter's batch size (`adapter`) and predict's outputs
    (`outputs`) are multiplied by the number of processes that fed a share.

    >>> Scope(GLOBAL, adapter=2)
    Scope(name='global', adapter=2, outputs=1)
    """

    name: str = GLOBAL
    adapter: int = 1
    outputs: int = 1
