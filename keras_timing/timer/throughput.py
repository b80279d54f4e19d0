"""FLOPs, utilisation and memory of a launch's runs (issue 13).

After each train and predict call of the launch's own model, the FLOPs of
one step are counted from the compiled program (once per call shape, on a
batch read from the data, after the call's last step so no step holds it);
the call's points then get `throughput/tflops_per_sec` and, where the
device's peak is known, `throughput/mfu`, and later calls' points get them
as they are written. Memory is read at each write:
`memory/peak_mb` is the device's (on a CPU, the process's resident-set) peak
since the previous write.
"""

import time
import warnings

from keras_timing import schema
from keras_timing.analysis import verdict
from keras_timing.profiling.flops import batch_size as samples_in
from keras_timing.timer import keras_loop
from keras_timing.timer import workers

# The step functions (`RunRecorder.step_function`) whose FLOPs are counted.
COUNTED_STEP_FUNCTIONS = ("train", "predict")
# count_flops="auto" counts after calls at least this long: counting
# compiles or traces the step once more (~0.1-1 s), under ~5% of them.
AUTO_MIN_CALL_S = 20.0
# ... or where the verdict needs the FLOPs, once the run has this many
# timed steps.
AUTO_MIN_STEPS = 10


def busy() -> bool:
    """Whether the machine is loaded above its cores now (then the step
    time alone cannot tell host from compute: FLOPs can).

    >>> busy() in (True, False)
    True
    """
    return workers.load_per_core() > 1


def worth_counting(count_flops, run, unmeasured=False,
                   now=time.perf_counter):
    """Whether to count the FLOPs of `run`'s steps at its call's end.

    "auto" also counts where the verdict needs the FLOPs: where the data
    read inside the step is `unmeasured` (TensorFlow reads `tf.data` and
    arrays in its graph), a median step above `verdict.HOST_STEP_MS` is
    compute or data, and only the FLOPs tell which.

    >>> class Run:
    ...     calls = []
    >>> worth_counting(True, Run()), worth_counting("auto", Run())
    (True, False)
    """
    if count_flops != "auto":
        return bool(count_flops)
    call = run.calls[-1] if run.calls else None
    if call is None:
        return False
    stats = getattr(run, "stats", None)
    slow = False
    if unmeasured and stats is not None:
        # The verdict's host bound, stretched on a busy machine as it is.
        per_core = workers.load_per_core()
        bound = max(verdict.HOST_STEP_MS, verdict.FIXED_STEP_MS * (
            per_core if per_core == per_core else 1.0))
        # A median of a few steps says little on a busy machine, and the
        # count costs about a compile: not for a call of a few steps.
        slow = (stats.batch_ms.count >= AUTO_MIN_STEPS
                and stats.batch_ms.quantile(0.5) > bound)
    return slow or now() - call.begin >= AUTO_MIN_CALL_S


class Throughput:
    """The launch's FLOP and memory accounting; off where no framework
    profiler is available (then every method does nothing).

    Example:

    >>> Throughput(profiler=None).peak_memory_mb() is None
    True
    """

    def __init__(self, profiler=None, dtype="float32"):
        self.profiler = profiler
        self.dtype = dtype
        self._peak = None

    @classmethod
    def for_backend(cls):
        try:
            import keras

            from keras_timing.profiling import backends

            return cls(backends.get(),
                       str(keras.config.dtype_policy().compute_dtype))
        except Exception:
            return cls(None)

    def peak(self):
        """(flops_per_sec or None, label), measured once."""
        if self._peak is None:
            self._peak = (self.profiler.peak_flops(self.dtype)
                          if self.profiler else (None, ""))
        return self._peak

    def count(self, run, model, loop, own):
        """At the end of a call of `run`: the FLOPs per sample of its steps
        (the launch's own model's train and predict steps, counted once per
        batch shape)."""
        try:
            if (own and run.step_function in COUNTED_STEP_FUNCTIONS
                    and self.profiler and model is not None):
                self._count(run, model, loop, run.step_function)
        except Exception as e:
            warnings.warn("keras_timing: FLOPs of %s not counted: %r"
                          % (run.name, e), stacklevel=2)

    @staticmethod
    def backfill(run):
        """The throughput of the call's points written before its FLOPs
        were known."""
        for step, values in run.stats.backfill():
            run.writer.scalars(step, values)

    def _count(self, run, model, loop, step_function):
        batch = keras_loop.sample_batch(loop.adapter)
        if batch is None:
            return
        if step_function == "predict" and isinstance(batch, (tuple, list)):
            batch = batch[0]
        flops = self.profiler.flops(model, step_function, batch)
        samples = samples_in(batch)
        if flops and samples:
            # The peak first: the writer thread writes throughput once
            # flops_per_sample is set, MFU only if the peak is set by then
            # (measuring a CPU's peak takes ~0.1 s).
            run.stats.peak_flops, run.stats.peak_label = self.peak()
            run.stats.flops_per_sample = flops / samples
            run.writer.scalars(run.call_first_step, {
                schema.FLOPS_PER_SAMPLE: flops / samples})

    def peak_memory_mb(self):
        """The peak since the previous call, and a new peak begins."""
        if not self.profiler:
            return None
        peak = self.profiler.peak_memory_mb()
        self.profiler.reset_peak_memory()
        return peak
