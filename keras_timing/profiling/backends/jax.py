"""JAX profiler captures: `.xplane.pb` (and `.trace.json.gz`) per session.

A capture writes `<session_dir>/<host>.xplane.pb`, which TensorBoard's
Profile tab and xprof read, and the `<host>.trace.json.gz` JAX adds beside
it. Step markers are `jax.profiler.StepTraceAnnotation`s (a `TraceMe` with
`step_num` and `_r=1`), which the overview page counts as steps.

On the JAX backend `keras_timing.profiling.backends.get()` returns
`profiler`, this module's instance; a capture's `stop()` returns
`[".../<host>.trace.json.gz", ".../<host>.xplane.pb"]`.
"""

import inspect
import shutil
import sys
import tempfile
import threading
import time

import jax
from jax._src import dispatch

from keras_timing.profiling import cluster
from keras_timing.profiling import fetch
from keras_timing.profiling.backends.accounting import CompileTally
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

    def step_meters(self, model, step_function, loop):
        """`fetch_ms`: Keras's `iterator_step` calls `next()` on the data
        adapter's JAX iterator inside the step, for arrays, `tf.data`, a
        `PyDataset` (with workers: the wait on their queue) and generators
        alike (see `profiling.fetch`); `epoch_fetch_ms`, its part that is
        the first `next()` of each epoch's iterator."""
        clock = fetch.clock_of(loop.adapter, ("get_jax_iterator",))
        return (("fetch_ms", clock.meter()),
                ("epoch_fetch_ms", clock.first_meter())) if clock else ()

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

    # ---- a job of several processes (profiling/cluster.py) ---------------

    def worker(self, environ):
        """`jax.process_index()` of `jax.process_count()` processes (after
        `jax.distributed.initialize`), or None for one; the coordinator's
        address (private: `keras_timing.private`) keys the job."""
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
        return cluster.WorkerInfo(index, count, index == 0,
                                  "jax:%s:%d" % (address, count))

    def sample_scope(self, model, processes):
        """`keras.distribution`: each process feeds its share of the batch
        (its adapter's batch size), and predict returns the global outputs;
        without a distribution the processes train apart."""
        import keras

        dist = keras.distribution.distribution()
        if dist is None:
            return cluster.Scope(cluster.PROCESS)
        # Data shards across processes: one per process, or one per model
        # replica where a replica spans processes.
        shards = min(dist.num_processes, dist.num_model_replicas)
        return cluster.Scope(cluster.GLOBAL, adapter=max(1, int(shards)))

    # ---- accounting (backends/accounting.py) ----------------------------

    def _flops(self, model, step_function, batch):
        """XLA's cost analysis of the lowered step: Keras's own stateless
        `train_step` / `test_step` / `predict_step`, jitted and lowered for
        abstract state and data (shapes and dtypes only), as JAXTrainer
        jits it. Nothing runs, so no weight, optimizer slot or metric
        changes. Counts every op XLA costs: matmuls and convolutions as 2
        FLOPs per multiply-add, elementwise ops, the optimizer update and
        the metrics. Lowered, not compiled: a compile costs what the first
        step's does, and the count runs on a thread beside the user's
        next call (`timer/throughput.py`); the compiled program's count
        differs by the few ops XLA's passes add. Compiled only where the
        lowered program gives no count. Nothing here touches the model's
        state, so it is safe on that thread."""
        import keras

        def spec(a):
            return jax.ShapeDtypeStruct(tuple(a.shape), a.dtype)

        state = [[spec(v) for v in model.trainable_variables],
                 [spec(v) for v in model.non_trainable_variables]]
        if step_function == "train":
            if not model.optimizer.built:
                return None
            state.append([spec(v) for v in model.optimizer.variables])
        if step_function != "predict":
            state.append([spec(v) for v in model.metrics_variables])
        step = getattr(model, step_function + "_step")
        data = keras.tree.map_structure(spec, batch)
        # This compile is ours, not the loop's: the compile counter must
        # not take it for a recompiling step. Noted per thread: the count
        # may run on a thread beside the user's next step, whose compiles
        # count.
        _own_compile.active = True
        try:
            lowered = jax.jit(step).lower(tuple(state), data)
            flops = _flops_of(lowered.cost_analysis())
            if flops is None:
                flops = _flops_of(lowered.compile().cost_analysis())
        finally:
            _own_compile.active = False
        return flops

    def _device_name(self):
        device = jax.local_devices()[0]
        return device.device_kind if device.platform == "gpu" else None

    def _device_peak_bytes(self):
        # None on CPU; XLA's GPU allocator has no reset of this peak.
        stats = jax.local_devices()[0].memory_stats()
        return stats.get("peak_bytes_in_use") if stats else None

    def _compile_counter(self, model, step_function):
        """Counts JAX's backend compiles of the functions that Keras jitted
        for `model`'s `step_function` step: those reachable from
        `model.<step_function>_function` (`jit(train_step)`, and predict's
        jitted concatenation with `steps_per_execution`). A compile is
        matched to its function by identity, from the `cache_miss` frame
        that JAX runs it in, so neither the function's name nor another
        step's compile (validation's `test_step` inside a fit) nor the eager
        ops that metrics compile at an epoch's end count. One listener per
        process, registered at the first call."""
        global _listening
        if not _listening:
            jax.monitoring.register_event_duration_secs_listener(_listen)
            _listening = True
        return _TALLY.counter(_jitted, model, step_function + "_function")


def _flops_of(cost):
    """The "flops" of a cost analysis (a list of one per device before
    JAX 0.4.30), or None."""
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else None
    return (cost or {}).get("flops")


def _jitted(function, depth=3):
    """The Python functions of the `jax.jit` wrappers in `function`'s
    closures (Keras nests them two deep: predict's step function holds the
    multi-step iterator, which holds `jit(predict_step)`)."""
    if function is None or depth < 0:
        return
    if hasattr(function, "_cache_miss") and hasattr(function, "_fun"):
        yield function._fun
        return
    for cell in getattr(function, "__closure__", None) or ():
        try:
            inner = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if callable(inner):
            yield from _jitted(inner, depth - 1)


def _listen(name, duration, **kwargs):
    # Runs on the thread that compiles, inside the `cache_miss` of the
    # jitted function being compiled (eager ops compile through their own
    # `cache_miss`, whose function is not watched).
    if (name == dispatch.BACKEND_COMPILE_EVENT
            and not getattr(_own_compile, "active", False)):
        # The event comes at the backend compile's end; Python's lock was
        # let go at its start (tracing and lowering hold it before).
        _TALLY.record(sys._getframe(1), time.perf_counter() - duration)


# JAX's `cache_miss` closure, which holds the jitted Python function in
# its variable `fun`.
_TALLY = CompileTally("fun")
_TALLY.codes.add(inspect.unwrap(jax.jit(abs)._cache_miss).__code__)
_listening = False
_own_compile = threading.local()

profiler = JaxProfiler()
