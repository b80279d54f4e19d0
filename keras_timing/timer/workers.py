"""Which process of a multi-worker job this is, and the machine's load.

The launch's backend says where this process stands (`profiler.worker`:
`TF_CONFIG` on TensorFlow, `jax.process_index()` on JAX, see
`profiling/cluster.py`); this module names no framework. `WorkerInfo` and
`SINGLE` are `profiling.cluster`'s, re-exported for the timer's callers.
"""

import os

from keras_timing.profiling.cluster import SINGLE
from keras_timing.profiling.cluster import WorkerInfo

__all__ = ["SINGLE", "WorkerInfo", "load_per_core", "worker_info"]


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


def worker_info(profiler=None, environ=None):
    """This process's place in a multi-worker job, as the backend reads it;
    a single process where it reads none, or fails. Never raises.

    Args:
        profiler: The launch's backend (`profiling.backends.get()`, picked
            once by the launch); None: the running Keras backend's, if any.
        environ: Mapping to read `TF_CONFIG` from (default: `os.environ`).

    Example:

    >>> worker_info(environ={}).is_chief
    True
    """
    environ = os.environ if environ is None else environ
    try:
        if profiler is None:
            from keras_timing.profiling import backends

            profiler = backends.get()
        return profiler.worker(environ) or SINGLE
    except Exception:
        # No backend with a profiler (numpy), or one that cannot tell: the
        # run goes on as a single process's.
        return SINGLE
