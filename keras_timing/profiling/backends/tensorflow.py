"""TensorFlow profiler captures: `.xplane.pb` per session folder.

A capture writes `<session_dir>/<host>.xplane.pb`, which TensorBoard's
Profile tab and xprof read. Step markers are `tf.profiler.experimental.Trace`
events with `step_num` and `_r=1`; without `_r=1` (the mark of a root event)
the overview page finds no steps.

`profiler` is the instance `keras_timing.profiling.backends.get()` returns
on the TensorFlow backend; the package docstring shows a capture.
"""

import logging
import re

import tensorflow as tf

from keras_timing.profiling import cluster
from keras_timing.profiling import fetch
from keras_timing.profiling.backends import quiet

from keras_timing.profiling.backends.base import Profiler
from keras_timing.profiling.backends.base import ProfilerBusy


# The Python generators behind Keras's `from_generator` datasets, looked up
# on the adapter when each epoch's iterator is made: the PyDataset
# adapter's (without and with an enqueuer of workers) and the generator
# adapter's.
_PRODUCERS = ("_finite_generator", "_infinite_generator",
              "_finite_enqueuer_generator", "_infinite_enqueuer_generator",
              "generator")


class TensorFlowProfiler(Profiler):
    """`tf.profiler.experimental` behind the shared `Profiler` skeleton.

    The first step marker of a process costs more than later ones (the
    profiler's one-time set-up): the warm-up pays that once, before the
    first capture, so the captured steps do not carry it (what profiled
    steps cost against counted ones: benchmarks/README.md section 11).
    Keras's TensorFlow loop already waits for each step's logs before the
    next step begins, so `sync` is a no-op.
    """

    name = "tensorflow"

    def _begin(self, logdir):
        try:
            with _quiet_tf():
                tf.profiler.experimental.start(logdir)
        except tf.errors.AlreadyExistsError as e:
            raise ProfilerBusy("another TensorFlow profiler is running") from e

    def _end(self, logdir):
        # TF drops its session before raising a failed save.
        with _quiet_tf():
            tf.profiler.experimental.stop()

    def _first_start(self):
        # What tf.profiler.experimental's own (unexported) warmup() does.
        try:
            with _quiet_tf():
                tf.profiler.experimental.start("")
        except tf.errors.AlreadyExistsError:
            return False
        try:
            self.close_step(self.open_step("warmup", 0))
        finally:
            with _quiet_tf():
                tf.profiler.experimental.stop(save=False)
        return True

    def step_meters(self, model, step_function, loop):
        """`fetch_ms` where Keras reads the batch through Python: a
        `PyDataset`'s generator (with workers, its wait on their queue) or
        the user's generator, called by `tf.data.Dataset.from_generator`'s
        producer that the step's `GetNext` waits on. With workers Keras adds
        no prefetch (the enqueuer's queue is the buffer), so `GetNext` calls
        the producer itself and the time is the step's own wait. Without
        workers Keras prefetches after that producer, so the time is the
        producer's, which the step waits for only when the data paces the
        run (an upper bound of its wait). `tf.data` and arrays are read
        inside TensorFlow's graph: nothing to time here."""
        clock = fetch.clock_of(loop.adapter, _PRODUCERS)
        return (("fetch_ms", clock.meter()),) if clock else ()

    def open_step(self, name, step_num):
        trace = tf.profiler.experimental.Trace(name, step_num=step_num, _r=1)
        trace.__enter__()
        return trace

    # ---- a job of several processes (profiling/cluster.py) ---------------

    def worker(self, environ):
        """The task `TF_CONFIG` names (`MultiWorkerMirroredStrategy` and
        friends), or None."""
        text = environ.get("TF_CONFIG")
        return cluster.from_tf_config(text) if text else None

    def sample_scope(self, model, processes):
        """`tf.distribute` batches the data at the global size, and
        predict returns this worker's outputs (times the workers); a job
        with no strategy across its workers counts per process."""
        strategy = model.distribute_strategy
        local = len(strategy.extended.worker_devices or ())
        workers = int(strategy.num_replicas_in_sync) // max(local, 1)
        if workers > 1:
            return cluster.Scope(cluster.GLOBAL, outputs=workers)
        return cluster.Scope(cluster.PROCESS)

    # ---- accounting (backends/accounting.py) ----------------------------

    def _flops(self, model, step_function, batch):
        """Float ops of the step's graph, from TensorFlow's graph profiler
        (`tf.compat.v1.profiler`, the per-op statistics TF registers).

        Keras's `train_step` / `test_step` / `predict_step` is traced into a
        new `tf.function`'s concrete function for the batch's shapes; the
        graph is only traced, never run, so no weight, optimizer slot or
        metric changes. Ops whose results nothing uses (the gradient of the
        input, which grappler prunes before running) are left out.
        Matmuls and convolutions count 2 FLOPs per multiply-add; most
        elementwise ops (the optimizer's among them) count 1 per element.
        TF 2.21's XLA path (`experimental_get_compiler_ir`) gives HLO text
        but no cost analysis, hence the graph profiler.
        """
        import keras

        step = getattr(model, step_function + "_step")
        specs = keras.tree.map_structure(
            lambda a: tf.TensorSpec(a.shape, a.dtype), batch)
        graph = tf.function(step).get_concrete_function(specs).graph
        dead = _unused_ops(graph)
        builder = tf.compat.v1.profiler.ProfileOptionBuilder
        options = builder(builder.float_operation()).with_empty_output()
        if dead:
            options = options.with_node_names(hide_name_regexes=[
                "^(%s)$" % "|".join(re.escape(n) for n in dead)])
        logger = tf.get_logger()
        level = logger.level
        logger.setLevel(logging.ERROR)  # the v1 profiler's deprecation notes
        try:
            found = tf.compat.v1.profiler.profile(graph=graph,
                                                  options=options.build())
        finally:
            logger.setLevel(level)
        return found.total_float_ops

    def _device_name(self):
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        return tf.config.experimental.get_device_details(gpus[0]).get(
            "device_name")

    def _device_peak_bytes(self):
        if not tf.config.list_logical_devices("GPU"):
            return None
        return tf.config.experimental.get_memory_info("GPU:0")["peak"]

    def _reset_device_peak(self):
        tf.config.experimental.reset_memory_stats("GPU:0")
        return True

    def _compile_counter(self, model, step_function):
        """The tracing count of the `tf.function`s behind the model's
        `train_function` / `test_function` / `predict_function`."""
        function = getattr(model, step_function + "_function", None)
        found = [function] + [c.cell_contents for c in
                              (getattr(function, "__closure__", None) or ())
                              if _cell_filled(c)]
        traced = [f for f in found
                  if hasattr(f, "experimental_get_tracing_count")]
        if not traced:
            return None
        return lambda: sum(f.experimental_get_tracing_count() for f in traced)


def _unused_ops(graph):
    """Names of the ops that neither an output nor a stateful op (a
    variable update) depends on."""
    live = set()
    stack = [t.op for t in graph.outputs] + list(graph.control_outputs)
    stack += [op for op in graph.get_operations() if op.op_def.is_stateful]
    while stack:
        op = stack.pop()
        if op.name not in live:
            live.add(op.name)
            stack += [t.op for t in op.inputs] + list(op.control_inputs)
    return [op.name for op in graph.get_operations() if op.name not in live]


def _cell_filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


profiler = TensorFlowProfiler()


def _quiet_tf():
    """Drops TensorFlow's profiler info lines ("Profiler session started",
    "Collecting XSpace to repository", ...) from the console."""
    return quiet.stderr_without(
        lambda line: b"profiler_session.cc" in line
        or b"save_profile.cc" in line)
