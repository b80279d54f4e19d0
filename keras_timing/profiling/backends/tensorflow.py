"""TensorFlow profiler captures: `.xplane.pb` per session folder.

A capture writes `<session_dir>/<host>.xplane.pb`, which TensorBoard's
Profile tab and xprof read. Step markers are `tf.profiler.experimental.Trace`
events with `step_num` and `_r=1`; without `_r=1` (the mark of a root event)
the overview page finds no steps.

Example:

```python
from keras_timing.profiling.backends import tensorflow as profiler

profiler.warmup()
profiler.start("logs/run/train/plugins/profile/session_1")
marker = profiler.open_step("train", 3)
train_step()
profiler.close_step(marker)
paths = profiler.stop()  # [".../session_1/<host>.xplane.pb"]
```
"""

import tensorflow as tf

from keras_timing.profiling.backends import ProfilerBusy
from keras_timing.profiling.backends import _Capture

trace_suffix = ".xplane.pb"

_capture = None


def running():
    """Whether a capture started by `start` is running."""
    return _capture is not None


def warmup():
    """Starts and stops the profiler once, with one marker, saving nothing.

    The first start in a process sets up the profiler's tracers (on GPU it
    loads CUPTI) and the first marker pays for its own set-up; this moves
    both out of the first capture, as `keras.callbacks.TensorBoard` does.
    Measured on CPU here: the warm-up takes ~0.2 ms and the first marker
    drops from ~55 us to ~10 us. Returns False, and does nothing, if another
    profiler is running.
    """
    # What tf.profiler.experimental's own (unexported) warmup() does.
    try:
        tf.profiler.experimental.start("")
    except tf.errors.AlreadyExistsError:
        return False
    try:
        close_step(open_step("warmup", 0))
    finally:
        tf.profiler.experimental.stop(save=False)
    return True


def start(session_dir):
    """Starts a capture whose files go into `session_dir`.

    Args:
        session_dir: A new or empty folder, usually
            `<run folder>/plugins/profile/<session name>`.

    Raises:
        ProfilerBusy: another profiler is running (left as it is).
    """
    global _capture
    capture = _Capture(session_dir)
    try:
        tf.profiler.experimental.start(capture.scratch)
    except tf.errors.AlreadyExistsError as e:
        capture.discard()
        raise ProfilerBusy("another TensorFlow profiler is running") from e
    except BaseException:
        capture.discard()
        raise
    _capture = capture


def stop():
    """Stops the capture and saves it; returns the paths written.

    Returns [] when no capture of ours runs. If saving fails the profiler is
    stopped all the same (TF drops its session before raising) and the error
    is raised.
    """
    global _capture
    capture, _capture = _capture, None
    if capture is None:
        return []
    try:
        tf.profiler.experimental.stop()
    except BaseException:
        capture.discard()
        raise
    return capture.collect()


def open_step(name, step_num):
    """Opens the marker of step `step_num`; returns the handle to close."""
    trace = tf.profiler.experimental.Trace(name, step_num=step_num, _r=1)
    trace.__enter__()
    return trace


def close_step(handle):
    handle.__exit__(None, None, None)


def sync(model, loop_frame=None):
    """A no-op: Keras's TensorFlow loop already waits for each step's logs
    before the next step begins."""
