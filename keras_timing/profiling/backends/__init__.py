"""Profiler captures, one small module per framework behind one interface.

Each module (`tensorflow`, `jax`, `torch`) has:

- `start(session_dir)`: starts the framework's profiler for one capture
  whose files go into exactly `session_dir` (created if missing; it must be
  empty). Raises `ProfilerBusy` if another profiler is already running;
  when it raises, `session_dir` is removed if empty.
- `stop()`: stops it, saves the trace and returns the paths written (an
  empty list if no capture of ours runs). It leaves no profiler running, also
  when saving fails (then it raises).
- `open_step(name, step_num)` -> handle, and `close_step(handle)`: a step
  marker around one step, opened and closed on the same thread.
- `warmup()`: a one-time start and stop that takes the profiler's first-start
  cost out of the first capture.
- `running()`: whether a capture of ours is running.
- `sync(model, loop_frame)`: waits until the model's dispatched steps have
  finished (`loop_frame`, the running Keras loop's frame, or None)
  (used inside captures only, where markers must time steps, not dispatch).
- `trace_suffix`: how the name of the capture's main file ends.

Only the chosen framework is imported: a JAX or torch user need not have
TensorFlow installed.

Example:

```python
from keras_timing.profiling import backends

profiler = backends.get()
profiler.start(backends.new_session_dir("logs/run/train"))
for step in range(3, 6):
    marker = profiler.open_step("train", step)
    train_step()
    profiler.close_step(marker)
paths = profiler.stop()
```
"""

import os
import shutil
import socket
import time

from keras_timing import backend as backend_lib



class ProfilerBusy(RuntimeError):
    """Another profiler (not ours) is running; this capture cannot start."""


def get(backend=None):
    """The profiler module of `backend`, default `keras.backend.backend()`.

    Raises:
        ValueError: for a backend without a profiler (e.g. numpy).
    """
    return backend_lib.module(__name__, backend, what="profiling")


def new_session_dir(run_dir):
    """Creates and returns `<run_dir>/plugins/profile/<new session name>`.

    The name is the local time to the microsecond, like TensorBoard's own
    session names but never shared by two captures.
    """
    root = os.path.join(os.fspath(run_dir), "plugins", "profile")
    os.makedirs(root, exist_ok=True)
    t = time.time()
    base = time.strftime("%Y_%m_%d_%H_%M_%S", time.localtime(t))
    base += "_%06d" % (int(t * 1e6) % 1000000)
    for i in range(1000):
        path = os.path.join(root, base if i == 0 else "%s_%d" % (base, i))
        try:
            os.makedirs(path)
            return path
        except FileExistsError:
            continue
    raise FileExistsError("no free session folder under %r" % root)


def host_name():
    """The file name stem the profilers use: this machine's host name."""
    return socket.gethostname() or "localhost"


# ---- shared by the xplane backends (tensorflow, jax) ------------------------


class _Capture:
    """Where one capture writes: a scratch folder inside `session_dir`.

    TF and JAX write to `<logdir>/plugins/profile/<time to the second>/`, so
    two captures in one second would share (and overwrite) one folder. They
    get a fresh scratch `logdir` each, and `collect` moves the files up into
    `session_dir`.
    """

    def __init__(self, session_dir):
        self.session_dir = os.path.abspath(os.fspath(session_dir))
        if os.path.isdir(self.session_dir) and os.listdir(self.session_dir):
            raise FileExistsError("session_dir must be a new or empty "
                                  "folder, %r is not" % self.session_dir)
        os.makedirs(self.session_dir, exist_ok=True)
        self.scratch = os.path.join(self.session_dir, ".capture")
        os.makedirs(self.scratch)

    def collect(self):
        """Moves the trace files into `session_dir`; returns their paths."""
        out = []
        root = os.path.join(self.scratch, "plugins", "profile")
        for session in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            folder = os.path.join(root, session)
            for name in sorted(os.listdir(folder)):
                dest = os.path.join(self.session_dir, name)
                os.replace(os.path.join(folder, name), dest)
                out.append(dest)
        self.discard_scratch()
        return out

    def discard_scratch(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def discard(self):
        """The capture did not start: removes the scratch folder and the
        (then empty) session folder, so no empty session is listed."""
        self.discard_scratch()
        try:
            os.rmdir(self.session_dir)
        except OSError:
            pass
