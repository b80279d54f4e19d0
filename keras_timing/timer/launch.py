"""A launch: one process's folder of runs, their timeline and writer thread.

Timers created without `launch_name` share the launch of their `log_dir` for
the life of the process, so `fit(callbacks=[FitPredictTimer()])` followed by
`predict(callbacks=[FitPredictTimer()])` writes one launch and prints the
fit/predict ratio. The runs of a launch share one device timeline (see
`clock.py`). A launch's first model is its own; calls on other models go to
runs of their own (`predict_encoder`), out of the ratio.
"""

import math
import os
import threading
import time
import warnings
import weakref

from keras_timing import paths
from keras_timing import schema
from keras_timing.events.flusher import Flusher
from keras_timing.events.writer import per_sample_layout
from keras_timing.profiling import session
from keras_timing.timer import died_calls
from keras_timing.timer import keras_loop
from keras_timing.analysis.fit_predict import SampleScope
from keras_timing.timer import end_of_call
from keras_timing.timer import workers
from keras_timing.timer.clock import Timeline
from keras_timing.timer.recorder import RunRecorder
from keras_timing.timer.throughput import Throughput

# The writer thread is woken each time this many more steps wait in the
# timeline, so that a call's end finds few left to write (its end is on the
# user's critical path); past MAX_WAITING the end hook writes them itself.
# Memory stays flat however fast the steps come.
DRAIN_AT = 256
MAX_WAITING = 16384

_shared = {}
_shared_lock = threading.Lock()
_live = weakref.WeakSet()  # every live launch (`Launch.idle_s`)


def for_timer(log_dir, launch_name, flush_secs, model=None):
    """The launch a new timer writes to, at its first call (on `model`):
    the process's shared one for `log_dir` when `launch_name` is None and
    the launch takes `model` (its own model or a part of it); else a new
    shared one (a notebook cell run again on a new model: its own numbers).
    A broken one is replaced."""
    if launch_name is not None:
        return Launch(log_dir, launch_name, flush_secs)
    key = os.path.abspath(log_dir)
    with _shared_lock:
        launch = _shared.get(key)
        if launch is None or launch.broken or (
                model is not None and not launch.takes(model)):
            launch = _shared[key] = Launch(log_dir, None, flush_secs)
        return launch


class Launch:
    """One launch folder `<log_dir>/<launch_name or launch time>/`.

    Args:
        log_dir: The TensorBoard log folder.
        launch_name: The launch folder's name; None: the first call's time.
        flush_secs: Seconds between the writer thread's drains.
    """

    def __init__(self, log_dir, launch_name, flush_secs=1.0):
        self.log_dir = log_dir
        self.launch_name = launch_name
        self.path = None
        self.worker = None
        self.timeline = Timeline()
        self.recorders = {}
        self.broken = False
        self.lock = threading.RLock()
        self._break_lock = threading.Lock()
        self._active = 0
        self._last_end = float("-inf")  # perf_counter of the last call end
        self._frames = []    # the running outer calls' Keras loop frames
        self._model = None
        self._scope = None   # what samples count: decided at the first call
        self._next_wake = DRAIN_AT
        self.flusher = Flusher(self.flush, flush_secs)
        self.throughput = Throughput.for_backend()
        # The framework's profiler, picked once (None where there is none):
        # FLOPs, memory, compile counts and step meters all ask it.
        self.profiler = self.throughput.profiler
        _live.add(self)

    def sample_scope(self, run, model):
        """The `cluster.Scope` every run of the launch counts samples
        in (decided at its first call), noted on `run`'s statistics."""
        with self.lock:
            if self._scope is None:
                self._scope = keras_loop.sample_scope(
                    model, self.worker.count, self.profiler)
        run.stats.samples = SampleScope(self._scope.name, self.worker.count)
        return self._scope

    def takes(self, model):
        """Whether a new timer's first call on `model` belongs here: the
        launch has no model yet, or `model` is its model or a part of it
        (the encoder of the VAE it fit). A model that was collected is not
        the launch's any more."""
        with self.lock:
            if self._model is None:
                return True
            own = self._model()
        return own is not None and (own is model or keras_loop.is_part_of(
            model, own))

    def is_own_model(self, model):
        """Whether `model` is the launch's model (its first one)."""
        with self.lock:
            if self._model is None or self._model() is None:
                self._model = weakref.ref(model)
            return self._model() is model

    def recorder(self, run, model):
        """The recorder of `run` for `model`, made on first use."""
        with self.lock:
            own = self.is_own_model(model)
            name = schema.run_folder(
                run, None if own else keras_loop.model_name(model))
            if self.path is None:
                self.worker = workers.worker_info(self.profiler)
                self.path = self._make_folder()
            recorder = self.recorders.get(name)
            if recorder is None:
                # A non-chief worker writes one level down (`train/worker_1`).
                recorder = RunRecorder(name, os.path.join(
                    self.path, name, *filter(None, [self.worker.folder])),
                    self.timeline)
                if not self.recorders and self.worker.is_chief:
                    recorder.writer.layout(per_sample_layout(
                        "time per sample (ms), p10-p90 band",
                        schema.MS_PER_SAMPLE, schema.MS_PER_SAMPLE_P10,
                        schema.MS_PER_SAMPLE_P90))
                self.recorders[name] = recorder
            return recorder, own

    def _make_folder(self):
        if self.worker.multi:
            # Every worker picks one folder: no launch time, no `-1`.
            base = self.launch_name or self.worker.shared_launch_name()
            if self.launch_name is None:
                warnings.warn(
                    "keras_timing: %d workers share the launch folder %r "
                    "derived from the cluster; pass FitPredictTimer("
                    "launch_name=...) to keep launches apart."
                    % (self.worker.count, base), stacklevel=5)
            path = os.path.join(self.log_dir, base)
            os.makedirs(path, exist_ok=True)
            return path
        base = self.launch_name or time.strftime("%Y%m%d-%H%M%S")
        return paths.new_folder(self.log_dir, base, "-", "launch folder")

    def call_started(self, frame=None, run=None):
        """A call began; `frame`: its Keras loop's, to tell if it died;
        `run`: its recorder, whose statistics note the machine's load."""
        if run is not None:
            run.stats.call_load.note(workers.load_per_core(), end=False)
        with self.lock:
            self._active += 1
            if frame is not None:
                self._frames.append(frame)
        self.flusher.start()

    def call_ended(self, frame=None, run=None):
        if run is not None:
            run.stats.call_load.note(workers.load_per_core(), end=True)
        with self.lock:
            self._active = max(0, self._active - 1)
            self._frames = [f for f in self._frames if f is not frame]
            idle = self._active == 0
            self._last_end = time.perf_counter()
        if idle:
            # The thread is for long calls; between them nothing runs.
            self.flusher.pause()

    def idle_s(self):
        """Seconds since the process's timed calls last ran (any live
        launch: a notebook's next cell may use another timer); None while
        one runs. An "auto" FLOP count waits for idle (`throughput`)."""
        ends = []
        for launch in list(_live):
            with launch.lock:
                if launch._active and not launch.broken:  # broken: no end
                    return None
                ends.append(launch._last_end)
        return time.perf_counter() - max(ends, default=float("-inf"))

    def waiting(self, count):
        """An end hook saw `count` steps waiting: wake or write."""
        if count >= self._next_wake:
            self._next_wake = count + DRAIN_AT
            self.flusher.wake()
        if count >= MAX_WAITING:
            # The writer thread cannot keep up (steps faster than it can
            # write them while holding the GIL): this hook writes (never
            # waiting for a died call's hooks: it may be one of them).
            self.flush(in_hook=True)

    def summaries(self):
        """Summary dicts per run folder name (see `RunStats.summary`), with
        `data_in_step`: 1 where the backend reads a batch inside the timed
        step (TensorFlow, JAX), 0 where before it (torch)."""
        inside = (math.nan if self.profiler is None
                  else float(self.profiler.reads_batch_in_step))
        with self.lock:
            out = {name: r.stats.summary()
                   for name, r in self.recorders.items()}
        for s in out.values():
            s["data_in_step"] = inside
        return out

    def summarize(self, run, also=None, verbose=1):
        """At a call's end: the summary of `run` (and of its `also` run,
        validation for train) as text and scalars, and printed."""
        end_of_call.summarize(self, run, also, verbose)

    def fit_predict(self, summaries=None):
        """The fit/predict ratio of the launch's model with its interval
        and note (`analysis.fit_predict.FitPredict`)."""
        return end_of_call.fit_predict(self, summaries)

    def drain(self, final=False, close=False):
        """Writes every drained step; finishes the calls that are over.
        `close`: no step can still end (a call died, the process exits)."""
        if close:  # a died call's last end hooks may be in Keras's pool
            died_calls.wait_hooks(list(self._frames))
        with self.lock:
            if self.broken:
                return
            if close:
                self.timeline.close()
            times = self.timeline.drain()
            self._next_wake = DRAIN_AT
            peak_mb = self.throughput.peak_memory_mb() if times else None
            by_run = times.by_run()
            for recorder in self.recorders.values():
                batch = by_run.get(recorder, [])
                if batch or final:
                    recorder.take(batch, final=final, peak_mb=peak_mb)
            # Validation passes first: the fit they ran in counts them.
            for recorder in sorted(self.recorders.values(),
                                   key=lambda r: r.run == schema.TRAIN):
                recorder.finish_calls()

    def flush(self, final=False, in_hook=False):
        """The writer thread's work: drain, write, save orphan captures."""
        if self.broken:
            return
        try:
            session.stop_orphans()
            # Every call died (Keras calls no end hook then): what they
            # completed is written, and the thread stops waking.
            died = not (final or in_hook) and self._all_died()
            # The last call, at exit: steps begun and never ended are over.
            self.drain(final=final or died, close=final or died)
            with self.lock:
                for recorder in self.recorders.values():
                    recorder.writer.flush()
            if died:
                self.flusher.pause()
        except Exception as e:
            self.fail(e)

    def _all_died(self):
        with self.lock:
            frames = list(self._frames)
        if not died_calls.all_done(frames):
            return False
        died_calls.wait_hooks(frames)  # their last end hooks, if late
        with self.lock:
            if self._frames != frames:  # a call began meanwhile
                return False
            self._frames, self._active = [], 0
            return True

    def fail(self, error):
        """Timing stops, with one warning; training never does."""
        with self._break_lock:
            # The writer thread and the training thread may fail at once.
            first, self.broken = not self.broken, True
        if not first:
            return
        warnings.warn("keras_timing: timing stopped after an error, "
                      "training goes on: %r" % (error,), stacklevel=3)
        self.flusher.pause()
        with self.lock:
            for recorder in self.recorders.values():
                try:
                    recorder.close()
                except Exception:
                    pass
