"""Profiler captures, one small module per framework behind one interface.

Each module (`tensorflow`, `jax`, `torch`) holds a `profiler`, an instance
of a thin `base.Profiler` subclass with only the framework calls. Every
profiler has:

- `start(session_dir)`: starts a capture whose files go into exactly
  `session_dir` (created if missing; it must be empty). Raises
  `ProfilerBusy` if another profiler is already running; when it raises,
  `session_dir` is removed if empty.
- `stop()`: stops it, saves the trace and returns the paths written (an
  empty list if no capture of ours runs). It leaves no profiler running, also
  when saving fails (then it raises).
- `open_step(name, step_num)` -> handle, and `close_step(handle)`: a step
  marker around one step, opened and closed on the same thread.
- `warmup()`: a one-time start and stop that takes the profiler's first-start
  cost out of the first capture (`warm_up(profiler)` does it once a process).
- `sync(model, loop_frame)`: waits until the model's dispatched steps have
  finished (`loop_frame`, the running Keras loop's frame, or None)
  (used inside captures only, where markers must time steps, not dispatch).
- `name` and `trace_suffix`: the framework, and how the name of the
  capture's main file ends.
- `flops(model, step_function, batch)`, `reset_peak_memory()`,
  `peak_memory_mb()`, `device_name()`, `peak_flops(dtype)`,
  `compile_counter(model, step_function)`: FLOPs of a step, peak memory,
  the device and its peak FLOP/s, and a compile counter (`accounting.py`;
  none of them raises).

Only the chosen framework is imported: a JAX or torch user need not have
TensorFlow installed.

Example:

```python
from keras_timing.profiling import backends

profiler = backends.get()
backends.warm_up(profiler)
profiler.start(backends.new_session_dir("logs/run/train"))
for step in range(3, 6):
    marker = profiler.open_step("train", step)
    train_step()
    profiler.close_step(marker)
paths = profiler.stop()
```
"""

import os
import socket
import threading
import time

from keras_timing import backend as backend_lib
from keras_timing import paths
from keras_timing.profiling.backends.base import ProfilerBusy  # noqa: F401

_warmed_up = set()
_warm_lock = threading.Lock()


def get(backend=None):
    """The profiler of `backend`, default `keras.backend.backend()`.

    Raises:
        ValueError: for a backend without a profiler (e.g. numpy).
    """
    return backend_lib.module(__name__, backend, what="profiling").profiler


def warm_up(profiler):
    """`profiler.warmup()` once per process and profiler.

    A warm-up that did not happen (another profiler was running) is not
    counted: the next call tries again.

    Args:
        profiler: A profiler from `get()`.

    Returns:
        True if the profiler is warmed up (now or before), else False.
    """
    with _warm_lock:
        if profiler.name in _warmed_up:
            return True
        if not profiler.warmup():
            return False
        _warmed_up.add(profiler.name)
        return True


def new_session_dir(run_dir):
    """Creates and returns `<run_dir>/plugins/profile/<new session name>`.

    The name is the local time to the microsecond, like TensorBoard's own
    session names but never shared by two captures.

    Args:
        run_dir: The run folder (`<launch>/train`, ...).

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> new_session_dir(root) != new_session_dir(root)
    True
    """
    root = os.path.join(os.fspath(run_dir), "plugins", "profile")
    return paths.new_folder(root, session_name(), "_", "session folder")


def session_name():
    """A profiler session's name: the local time to the microsecond.

    >>> len(session_name()) == len("2026_12_04_18_35_25_000001")
    True
    """
    t = time.time()
    return "%s_%06d" % (time.strftime("%Y_%m_%d_%H_%M_%S", time.localtime(t)),
                        int(t * 1e6) % 1000000)


def host_name():
    """The file name stem the profilers use: this machine's host name."""
    return socket.gethostname() or "localhost"
