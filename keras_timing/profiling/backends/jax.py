"""JAX profiler captures: `.xplane.pb` (and `.trace.json.gz`) per session.

A capture writes `<session_dir>/<host>.xplane.pb`, which TensorBoard's
Profile tab and xprof read, and the `<host>.trace.json.gz` JAX adds beside
it. Step markers are `jax.profiler.StepTraceAnnotation`s (a `TraceMe` with
`step_num` and `_r=1`), which the overview page counts as steps.

On the JAX backend `keras_timing.profiling.backends.get()` returns
`profiler`, this module's instance; a capture's `stop()` returns
`[".../<host>.trace.json.gz", ".../<host>.xplane.pb"]`.
"""

import shutil
import tempfile

import jax

from keras_timing.profiling.backends.base import Profiler
from keras_timing.profiling.backends.base import ProfilerBusy


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


class JaxProfiler(Profiler):
    """`jax.profiler` behind the shared `Profiler` skeleton.

    The first `start_trace` in a process costs ~10 ms on CPU here (later
    ones ~0.2 ms) and the first marker ~50 us (later ones ~15 us). JAX has
    no save-nothing stop, so the warm-up writes a tiny trace into a
    temporary folder and deletes it (~11 ms).
    """

    name = "jax"

    def _begin(self, logdir):
        try:
            jax.profiler.start_trace(logdir, profiler_options=_options())
        except RuntimeError as e:
            if "already" in str(e):
                raise ProfilerBusy("another JAX profiler is running") from e
            raise

    def _end(self, logdir):
        jax.profiler.stop_trace()

    def _first_start(self):
        scratch = tempfile.mkdtemp(prefix="keras_timing_warmup_")
        try:
            try:
                jax.profiler.start_trace(scratch)
            except RuntimeError:
                return False
            try:
                self.close_step(self.open_step("warmup", 0))
            finally:
                try:
                    jax.profiler.stop_trace()
                except BaseException:
                    self._forget()
                    raise
            return True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _forget(self):
        # `stop_trace` stops the session, then exports; when the export
        # raises, JAX still holds the session and every later `start_trace`
        # would fail with "already started". Dropping it (private state,
        # hence the care) frees the profiler.
        try:
            from jax._src import profiler as jax_profiler

            state = jax_profiler._profile_state
            with state.lock:
                state.reset()
        except Exception:
            pass

    def open_step(self, name, step_num):
        marker = jax.profiler.StepTraceAnnotation(name, step_num=step_num)
        marker.__enter__()
        return marker

    def sync(self, model, loop_frame=None):
        """Waits until the model's last dispatched step has finished.

        Inside a capture only: JAX dispatches steps ahead of the device, so
        a step marker closed at the next step's begin would time dispatch,
        not the step. It waits for the last step's outputs as the Keras loop
        holds them (`logs` in fit/evaluate, `batch_outputs` in predict, read
        from the loop's frame) and for the state the trainer keeps in
        `model._jax_state`.
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


profiler = JaxProfiler()
