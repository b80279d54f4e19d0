"""JAX profiler captures: `.xplane.pb` (and `.trace.json.gz`) per session.

A capture writes `<session_dir>/<host>.xplane.pb`, which TensorBoard's
Profile tab and xprof read, and the `<host>.trace.json.gz` JAX adds beside
it. Step markers are `jax.profiler.StepTraceAnnotation`s (a `TraceMe` with
`step_num` and `_r=1`), which the overview page counts as steps.

Example:

```python
from keras_timing.profiling.backends import jax as profiler

profiler.warmup()
profiler.start("logs/run/train/plugins/profile/session_1")
marker = profiler.open_step("train", 3)
train_step()
profiler.close_step(marker)
paths = profiler.stop()  # [".../<host>.trace.json.gz", ".../<host>.xplane.pb"]
```
"""

import shutil
import tempfile

import jax

from keras_timing.profiling.backends import ProfilerBusy
from keras_timing.profiling.backends import _Capture

trace_suffix = ".xplane.pb"

_capture = None


def running():
    """Whether a capture started by `start` is running."""
    return _capture is not None


def warmup():
    """Starts and stops the profiler once, with one marker.

    The first `start_trace` in a process costs ~10 ms on CPU here (later
    ones ~0.2 ms) and the first marker ~50 us (later ones ~15 us); this
    moves both out of the first capture. JAX has no save-nothing stop, so
    the warm-up writes a tiny trace into a temporary folder and deletes it;
    it takes ~11 ms. Returns False, and does nothing, if another profiler is
    running.
    """
    scratch = tempfile.mkdtemp(prefix="keras_timing_warmup_")
    try:
        try:
            jax.profiler.start_trace(scratch)
        except RuntimeError:
            return False
        try:
            close_step(open_step("warmup", 0))
        finally:
            try:
                jax.profiler.stop_trace()
            except BaseException:
                _forget_session()
                raise
        return True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _options():
    """Profiler options: no Python function tracing.

    Tracing every Python call (JAX's default) slowed the traced steps of the
    article's CNN on this CPU from ~6.7 ms to ~10 ms and delayed Keras's
    end hooks by tens of ms, so the trace no longer showed the steps the
    user runs. Framework and XLA events are traced as usual.
    """
    options = jax.profiler.ProfileOptions()
    options.python_tracer_level = 0
    return options


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
        jax.profiler.start_trace(capture.scratch,
                                 profiler_options=_options())
    except RuntimeError as e:
        capture.discard()
        if "already" in str(e):
            raise ProfilerBusy("another JAX profiler is running") from e
        raise
    except BaseException:
        capture.discard()
        raise
    _capture = capture


def stop():
    """Stops the capture and saves it; returns the paths written.

    Returns [] when no capture of ours runs. If saving fails the profiler is
    stopped all the same and the error is raised.
    """
    global _capture
    capture, _capture = _capture, None
    if capture is None:
        return []
    try:
        jax.profiler.stop_trace()
    except BaseException:
        _forget_session()
        capture.discard()
        raise
    return capture.collect()


def _forget_session():
    # `stop_trace` stops the session, then exports; when the export raises,
    # JAX still holds the session and every later `start_trace` would fail
    # with "already started". Dropping it (private state, hence the care)
    # frees the profiler.
    try:
        from jax._src import profiler as jax_profiler

        state = jax_profiler._profile_state
        with state.lock:
            state.reset()
    except Exception:
        pass


def open_step(name, step_num):
    """Opens the marker of step `step_num`; returns the handle to close."""
    marker = jax.profiler.StepTraceAnnotation(name, step_num=step_num)
    marker.__enter__()
    return marker


def close_step(handle):
    handle.__exit__(None, None, None)


def sync(model, loop_frame=None):
    """Waits until the model's last dispatched step has finished.

    Inside a capture only: JAX dispatches steps ahead of the device, so a
    step marker closed at the next step's begin would time dispatch, not
    the step. It waits for the last step's outputs as the Keras loop holds
    them (`logs` in fit/evaluate, `batch_outputs` in predict, read from the
    loop's frame) and for the state the trainer keeps in `model._jax_state`.
    """
    import keras

    pending = []
    if loop_frame is not None:
        local = loop_frame.f_locals
        pending += [local.get("logs"), local.get("batch_outputs")]
    pending.append(getattr(model, "_jax_state", None))
    # Keras's tracked dicts and lists are no pytrees to JAX: flatten.
    arrays = [a for a in keras.tree.flatten(
        [p for p in pending if p is not None]) if isinstance(a, jax.Array)]
    jax.block_until_ready(arrays)
