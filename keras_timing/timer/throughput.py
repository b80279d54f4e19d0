"""FLOPs, utilisation and memory of a launch's runs (issues 13 and 20).

After a train or predict call of the launch's own model, the FLOPs of one
step are counted from the step's program (once per call shape, on a batch
read from the data) on the process's counting thread, a daemon thread
beside the user's next call: every backend's count leaves the model as it
was (`profiling/backends/*.py`, `_flops`), so it may run there, one count
at a time. When a count lands, its run gets `throughput/flops_per_sample`
at the call's first step, `throughput/tflops_per_sec` and, where the
device's peak is known, `throughput/mfu` on the points written before it
(and on every later point as it is written), and the run's end-of-call
summary is written again with them where no call of the run is running.
The CPU's peak FLOP/s is measured there too.

`count_flops=True`: the call starts its count at once and waits for it
only where its own summary needs the figure (printed, or for its verdict).
"auto": the call never waits. `timer.flush()` and `timer.summaries()` wait
up to `FLUSH_WAIT_S` for the launch's counts, the interpreter's exit up to
`counting.EXIT_WAIT_S`. A count that fails warns once; the user's run goes on.

Memory is read at each write: `memory/peak_mb` is the device's (on a CPU,
the process's resident-set) peak since the previous write.
"""

import threading
import time
import warnings

from keras_timing import schema
from keras_timing.analysis import verdict
from keras_timing.profiling.flops import batch_size as samples_in
from keras_timing.timer import counting
from keras_timing.timer import keras_loop
from keras_timing.timer import workers

# The step functions (`RunRecorder.step_function`) whose FLOPs are counted.
COUNTED_STEP_FUNCTIONS = ("train", "predict")
# count_flops="auto" counts after calls at least this long (counting
# lowers or traces the step once more, on a thread beside the next call,
# whose CPU it shares) ...
AUTO_MIN_CALL_S = 20.0
# ... or where the verdict needs the FLOPs, once the run has this many
# timed steps.
AUTO_MIN_STEPS = 10
# How long `timer.flush()` / `timer.summaries()` wait for counts still
# running (the interpreter's exit: `counting.EXIT_WAIT_S`).
FLUSH_WAIT_S = 30.0
# An "auto" count starts once no timed call of the process ran this long
# (at once where `flush()`, `summaries()` or the exit waits): beside the
# user's next call it slowed its steps (benchmarks/README.md, section 13).
IDLE_S = 1.0
QUEUE_POLL_S = 0.1  # how often it looks for counts queued behind it

def busy() -> bool:
    """Whether the machine is loaded above its cores now (then the step
    time alone cannot tell host from compute: FLOPs can).

    >>> busy() in (True, False)
    True
    """
    return workers.load_per_core() > 1


def worth_counting(count_flops, stats, call_s, unmeasured=False):
    """Whether to count the FLOPs of a run's steps at its call's end.

    "auto" counts after calls of `AUTO_MIN_CALL_S` or more, and where the
    verdict needs the FLOPs: where the data read inside the step is
    `unmeasured` (TensorFlow reads `tf.data` and arrays in its graph), a
    median step above `verdict.HOST_STEP_MS` is compute or data, and only
    the FLOPs tell which.

    Args:
        count_flops: The timer's argument: True, False or "auto".
        stats: The run's `RunStats`, its call's steps folded in.
        call_s: The call's wall time in seconds.
        unmeasured: The data read inside the step is not measured.

    >>> worth_counting(True, None, 1.0), worth_counting("auto", None, 1.0)
    (True, False)
    """
    if count_flops != "auto":
        return bool(count_flops)
    slow = False
    if unmeasured and stats is not None:
        # The verdict's host bound, stretched on a busy machine as it is.
        per_core = workers.load_per_core()
        bound = max(verdict.HOST_STEP_MS, verdict.FIXED_STEP_MS * (
            per_core if per_core == per_core else 1.0))
        # A median of a few steps says little on a busy machine: not for
        # a call of a few steps.
        slow = (stats.batch_ms.count >= AUTO_MIN_STEPS
                and stats.batch_ms.quantile(0.5) > bound)
    return slow or call_s >= AUTO_MIN_CALL_S


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
        self._pending = []   # this launch's counts not yet landed
        self._warned = set()  # runs whose count failed
        self._lock = threading.Lock()
        # Set while `wait` waits: "auto" counts start without waiting for
        # the launch to be idle.
        self.hurry = threading.Event()

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

    def start(self, count):
        """Queues `count` (a `CallCount`) on the counting thread."""
        with self._lock:
            self._pending = [c for c in self._pending
                             if not c.done.is_set()] + [count]
        counting.queue(self, count)

    def wait(self, timeout=FLUSH_WAIT_S):
        """Waits up to `timeout` s for the launch's counts to land;
        whether they all did."""
        end = time.monotonic() + timeout
        with self._lock:
            pending = list(self._pending)
        self.hurry.set()
        try:
            return all(c.done.wait(max(0.0, end - time.monotonic()))
                       for c in pending)
        finally:
            self.hurry.clear()

    def flops_per_sample(self, model, loop, step_function):
        """FLOPs per sample of one `step_function` step of `model` on a
        batch read from `loop`'s data, or None; the peak measured with
        it."""
        batch = keras_loop.sample_batch(loop.adapter)
        if batch is None:
            return None
        if step_function == "predict" and isinstance(batch, (tuple, list)):
            batch = batch[0]
        flops = self.profiler.flops(model, step_function, batch)
        samples = samples_in(batch)
        if not (flops and samples):
            return None
        self.peak()
        return flops / samples

    def failed(self, run_name, error):
        """A count of `run_name` failed: one warning per run."""
        if run_name not in self._warned:
            self._warned.add(run_name)
            warnings.warn("keras_timing: FLOPs of %s not counted, training "
                          "goes on: %r" % (run_name, error), stacklevel=2)

    @staticmethod
    def backfill(run):
        """The throughput of the points written before the run's FLOPs
        were known."""
        for step, values in run.stats.backfill():
            run.writer.scalars(step, values)

    def peak_memory_mb(self):
        """The peak since the previous call, and a new peak begins."""
        if not self.profiler:
            return None
        peak = self.profiler.peak_memory_mb()
        self.profiler.reset_peak_memory()
        return peak


class CallCount:
    """The FLOP count of one call of the launch's own model, from its end
    hook: `start_asked` before the call's last writes, `settle` after.

    Args:
        launch: The call's `Launch`.
        run: Its `RunRecorder` (the call's steps still in it).
        model: The model the call ran.
        own: Whether `model` is the launch's own.
        count_flops: The timer's argument.
        unmeasured: The verdict cannot tell host from data without FLOPs.
        also: The run shown with `run`'s summary (validation), or None.
    """

    def __init__(self, launch, run, model, own, count_flops, unmeasured,
                 also=None):
        self.launch, self.run, self.model, self.also = launch, run, model, also
        self.count_flops, self.unmeasured = count_flops, unmeasured
        # Asked for: True (or 1, which the argument check lets by).
        self.asked = count_flops != "auto" and bool(count_flops)
        call = run.current_call()
        self.began = call.begin if call is not None else time.perf_counter()
        self.first_step = run.call_first_step
        self.done = threading.Event()
        self.started = False
        self.waited = False
        self.on = bool(own and model is not None and launch.profiler
                       and run.step_function in COUNTED_STEP_FUNCTIONS)
        self._state = counting.keras_state() if self.on else None

    def start_asked(self):
        """`count_flops=True`: the count starts now, beside the call's
        last writes."""
        if self.on and self.asked:
            self._start()

    def settle(self, verbose):
        """After the call's last drain: "auto" starts its count where it is
        worth it; the call waits where its own summary needs the figure
        (`count_flops=True`, printed or for the verdict); the points
        written before a known count get their throughput."""
        if self.on and not self.started and worth_counting(
                self.count_flops, self.run.stats,
                time.perf_counter() - self.began, self.unmeasured):
            self._start()
        if self.started and self.asked and (verbose or self.unmeasured):
            self.waited = True
            self.done.wait()
        with self.launch.lock:
            # A count still running keeps the rates: it backfills them.
            if not self.started or self.done.is_set():
                self.launch.throughput.backfill(self.run)

    def _start(self):
        self.started = True
        self.launch.throughput.start(self)

    def __call__(self):
        """The count, on the counting thread; it writes what it found."""
        try:
            if not self.asked:
                self._wait_idle()
            if not counting.exiting():
                counting.keras_state(self._state)
                per_sample = self.launch.throughput.flops_per_sample(
                    self.model, self.run.loop, self.run.step_function)
                if per_sample and not counting.exiting():
                    self._land(per_sample)
        except Exception as e:
            if not counting.exiting():
                self.launch.throughput.failed(self.run.name, e)
        finally:
            self.model = None
            self.done.set()

    def _wait_idle(self):
        # Not asked for: never beside a timed call (IDLE_S). A call
        # begun while the count runs still shares the CPU with it. Counts
        # queued behind this one end the wait: a call may be waiting for
        # its own (count_flops=True), and it holds the process busy.
        hurry = self.launch.throughput.hurry
        while not counting.exiting() and not counting.queued():
            idle = self.launch.idle_s()
            if idle is not None and idle >= IDLE_S:
                return
            if hurry.wait(min(IDLE_S - (idle or 0.0), QUEUE_POLL_S)):
                return

    def _land(self, per_sample):
        launch, run = self.launch, self.run
        with launch.lock:
            if launch.broken:
                return
            stats = run.stats
            stats.peak_flops, stats.peak_label = launch.throughput.peak()
            stats.flops_per_sample = per_sample
            run.writer.scalars(self.first_step,
                               {schema.FLOPS_PER_SAMPLE: per_sample})
            launch.throughput.backfill(run)
            if not self.waited and run.owner is None:
                # The call's summary was written without the figure; no
                # call of the run is running, whose end would write it.
                launch.summarize(run, self.also, verbose=0)
