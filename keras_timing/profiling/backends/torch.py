"""torch profiler captures: a Chrome/Perfetto trace per session folder.

A capture writes `<session_dir>/<host>.pt.trace.json`, the JSON trace of
`torch.profiler.profile(...).export_chrome_trace`. xprof and TensorBoard's
Profile tab cannot read it: open it in https://ui.perfetto.dev or
chrome://tracing, or analyse it with HolisticTraceAnalysis.

Step markers are `torch.profiler.record_function("ProfilerStep#<step>")`
ranges, the name torch's own `profile.step()` gives its steps, so tools that
look for steps in torch traces find them. The phase (`train`, `predict`,
...) is not in the marker; the run folder the session is in says it.

Example:

```python
from keras_timing.profiling.backends import torch as profiler

profiler.warmup()
profiler.start("logs/run/train/plugins/profile/session_1")
marker = profiler.open_step("train", 3)  # "ProfilerStep#3"
train_step()
profiler.close_step(marker)
paths = profiler.stop()  # [".../session_1/<host>.pt.trace.json"]
```
"""

import os

import torch
from torch.profiler import ProfilerActivity
from torch.profiler import profile
from torch.profiler import record_function

from keras_timing.profiling.backends import ProfilerBusy
from keras_timing.profiling.backends import host_name

trace_suffix = ".pt.trace.json"

_capture = None


def running():
    """Whether a capture started by `start` is running."""
    return _capture is not None


def _busy():
    # torch lets a second profiler start over a running one and then stops
    # both at the first stop, so ask whether one runs before starting.
    return bool(torch.autograd._profiler_enabled()
                or torch.autograd.profiler._is_profiler_enabled)


def _activities():
    out = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        out.append(ProfilerActivity.CUDA)
    return out


def warmup():
    """Starts and stops the profiler once, with one marker, saving nothing.

    Measured on CPU here: the first `record_function` while profiling costs
    ~1 ms (later ones ~80 us), and the first start imports
    `torch._inductor.config`, ~1 s unless already imported (Keras's torch
    backend imports it, then a start costs ~1 ms). This moves both out of
    the first capture; it takes ~2 ms with Keras loaded. Returns False, and
    does nothing, if another profiler is running.
    """
    if _busy():
        return False
    prof = profile(activities=_activities())
    prof.start()
    try:
        close_step(open_step("warmup", 0))
    finally:
        prof.stop()
    return True


def start(session_dir):
    """Starts a capture whose trace goes into `session_dir`.

    Args:
        session_dir: A new or empty folder, usually
            `<run folder>/plugins/profile/<session name>`.

    Raises:
        ProfilerBusy: another profiler is running (left as it is).
    """
    global _capture
    session_dir = os.path.abspath(os.fspath(session_dir))
    if os.path.isdir(session_dir) and os.listdir(session_dir):
        raise FileExistsError("session_dir must be a new or empty folder, "
                              "%r is not" % session_dir)
    if _busy():
        raise ProfilerBusy("another torch profiler is running")
    os.makedirs(session_dir, exist_ok=True)
    prof = profile(activities=_activities())
    try:
        prof.start()
    except BaseException:
        _disable()
        try:
            os.rmdir(session_dir)
        except OSError:
            pass
        raise
    _capture = (prof, session_dir)


def stop():
    """Stops the capture and writes its trace; returns the paths written.

    Returns [] when no capture of ours runs. The profiler is stopped before
    the trace is written, so a failed write leaves none running (and
    raises).
    """
    global _capture
    if _capture is None:
        return []
    (prof, session_dir), _capture = _capture, None
    try:
        prof.stop()
    except BaseException:
        _disable()
        raise
    path = os.path.join(session_dir, host_name() + trace_suffix)
    prof.export_chrome_trace(path)
    # Kineto logs a failed write and returns as if it had written.
    if not os.path.isfile(path):
        raise OSError("torch profiler: the trace could not be written to %r"
                      % path)
    return [path]


def _disable():
    # Last resort after a failed start or stop: no profiler left enabled.
    try:
        if torch.autograd._profiler_enabled():
            torch.autograd._disable_profiler()
    except Exception:
        pass


def open_step(name, step_num):
    """Opens the marker `ProfilerStep#<step_num>`; returns the handle."""
    marker = record_function("ProfilerStep#%d" % step_num)
    marker.__enter__()
    return marker


def close_step(handle):
    handle.__exit__(None, None, None)


def sync(model, loop_frame=None):
    """Waits until the GPU work dispatched so far has finished.

    Inside a capture only, so a step marker closes when its step's kernels
    have run, not when they were queued. A no-op on the CPU, where torch
    runs synchronously.
    """
    if torch.cuda.is_available():
        torch.cuda.synchronize()
