"""FitPredictTimer: the Keras hooks, and nothing but the hooks.

Times go to `clock`, finished points to `phase` and `writer`; what Keras does
not tell a callback (batch size, validation or evaluation) comes from `probe`.
"""

import math
import os
import threading
import time
import warnings

import keras

from keras_timing.profiling import backends
from keras_timing import schema
from keras_timing.timer import keras_loop
from keras_timing.profiling import schedule
from keras_timing.profiling import slow_steps
from keras_timing.timer import summary as summary_text
from keras_timing.timer import workers
from keras_timing.profiling.session import Capture
from keras_timing.timer.clock import StepClock
from keras_timing.timer.stats import RunStats
from keras_timing.events.flusher import Flusher
from keras_timing.events.writer import RunWriter
from keras_timing.events.writer import per_sample_layout


def _check_writable(log_dir):
    """Refuses, before training, a log_dir that cannot be created or written."""
    existing = os.path.abspath(log_dir)
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    if not os.path.isdir(existing):
        raise ValueError("log_dir %r cannot be created: %r is a file"
                         % (log_dir, existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError("log_dir %r is not writable (no write permission "
                         "on %r)" % (log_dir, existing))


# The writer thread is woken each time this many more batches wait in the
# clock; past MAX_WAITING the end hook writes them itself. Memory stays flat
# however fast the steps come.
DRAIN_AT = 2048
MAX_WAITING = 8 * DRAIN_AT

_warmed_up = set()


def _warm_up(profiler):
    """Once per process and profiler: its first start is the slow one."""
    if profiler.__name__ not in _warmed_up:
        _warmed_up.add(profiler.__name__)
        profiler.warmup()


class _Run:
    """One run folder's clock, statistics and writer."""

    def __init__(self, name, path):
        self.name = name
        self.clock = StepClock()
        self.stats = RunStats(name)
        self.writer = RunWriter(path)
        self.offset = 0
        self.loop = keras_loop.LoopInfo()
        self.told_unknown_size = False
        self.capture = None
        self.slow = None
        self.steps_per_call = 1
        self.frame = None
        self.thread = None


class FitPredictTimer(keras.callbacks.Callback):
    """Logs the time of every train, validation, evaluate and predict batch.

    Each phase is a TensorBoard run under `log_dir/<launch>/`: `train`,
    `validation`, `evaluate` and `predict`, with the scalars
    `timing/batch_ms`, `timing/input_wait_ms`, `timing/samples_per_sec` and
    `timing/first_batch_ms` at the global 1-based step. At the end of each
    fit, evaluate and predict it prints a summary (median, p90, p99 batch ms,
    first batch apart) and, once it has seen both fit and predict, the
    per-sample fit/predict ratio.

    Batch times are device-paced: the clock stops when the step's results
    reached the host, not when the step was dispatched (see `clock.py`).

    Args:
        log_dir: Folder for the event files; each launch gets a sub-folder.
        run_name: Name of that sub-folder; default: the launch time.
        batch_size: Samples per batch, when Keras's data adapter cannot tell
            (e.g. a `tf.data.Dataset` without a static batch dimension).
        flush_secs: At most this many seconds of points are held in memory
            before they are written.
        verbose: 0 for silence, 1 to print the summaries.
        profile_steps: Train steps to capture with the framework's profiler
            (global 1-based steps, as on the x axis): an int `N`, an
            inclusive `(start, stop)` tuple, a `"start,stop"` string, a list
            of those, or a `keras_timing.ProfileSchedule`. Each capture is a
            session under `<launch>/train/plugins/profile/`, with a step
            marker per step, for TensorBoard's Profile tab.
        profile_predict_steps: The same for predict batches.
        profile_evaluate_steps: The same for `evaluate` batches
            (validation inside `fit` is not profiled).
        profile_slow_steps: A number > 1, or None: when a train step takes
            that many times the median step, the next 3 steps are
            captured (at most 5 captures a run, 20 steps apart), so the
            rare slow step can be looked at in the Profile tab.

    Example:

    ```python
    timer = FitPredictTimer(log_dir="logs")
    model.fit(x, y, epochs=10, callbacks=[timer])
    model.predict(x, callbacks=[timer])
    # tensorboard --logdir logs
    ```

    Profiler traces of train steps 10-15 and predict steps 3-5:

    ```python
    timer = FitPredictTimer(profile_steps=(10, 15),
                            profile_predict_steps=(3, 5))
    ```
    """

    # Keep Keras's asynchronous end-hook dispatch on JAX and torch: our end
    # hooks then run after the step's logs reached the host, which is what
    # makes the times device-paced, and the training thread never waits.
    async_safe = True

    def __init__(self, log_dir="logs", run_name=None, batch_size=None,
                 flush_secs=1.0, verbose=1, profile_steps=None,
                 profile_predict_steps=None, profile_evaluate_steps=None,
                 profile_slow_steps=None):
        super().__init__()
        self._slow_factor = slow_steps.parse_factor(profile_slow_steps)
        self._schedules = {
            run: parsed for run, parsed in (
                (schema.TRAIN, schedule.parse(profile_steps, "profile_steps")),
                (schema.PREDICT, schedule.parse(profile_predict_steps,
                                               "profile_predict_steps")),
                (schema.EVALUATE, schedule.parse(profile_evaluate_steps,
                                                "profile_evaluate_steps")),
            ) if parsed is not None}
        # Refuses a backend without a profiler now, not mid-training.
        self._profiler = (backends.get() if self._schedules
                          or self._slow_factor else None)
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError("log_dir must be a path (str or os.PathLike), "
                            "got %r" % (log_dir,))
        if os.path.isfile(log_dir):
            raise ValueError("log_dir must be a folder, but %r is a file"
                             % (os.fspath(log_dir),))
        _check_writable(os.fspath(log_dir))
        if run_name is not None and (not isinstance(run_name, str)
                                     or not run_name or os.sep in run_name):
            raise ValueError("run_name must be a non-empty folder name "
                             "without %r, got %r" % (os.sep, run_name))
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError("batch_size must be a positive int or None, "
                             "got %r" % (batch_size,))
        if (isinstance(flush_secs, bool)
                or not isinstance(flush_secs, (int, float))
                or not flush_secs > 0):
            raise ValueError("flush_secs must be a positive number of "
                             "seconds, got %r" % (flush_secs,))
        if verbose not in (0, 1, True, False):
            raise ValueError("verbose must be 0 or 1, got %r" % (verbose,))
        self.log_dir = os.fspath(log_dir)
        self.run_name = run_name
        self.batch_size = batch_size
        self.verbose = int(verbose)
        self.launch_dir = None
        self.worker = None
        self._runs = {}
        self._train = self._test = self._predict = None
        self._lock = threading.RLock()
        self._broken = False
        self._break_lock = threading.Lock()
        self._active = set()
        self._flusher = Flusher(self._flush_quietly, flush_secs)

    # ---- hooks -----------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._train = self._start(schema.TRAIN)

    def on_epoch_begin(self, epoch, logs=None):
        run = self._train
        if run is not None and not self._broken:
            try:
                run.offset = run.clock.last_step
                run.clock.anchor()
                if run.slow is not None:
                    run.slow.reset()
            except Exception as e:
                self._break(e)

    def on_train_batch_begin(self, batch, logs=None):
        self._begin(self._train, batch)

    def on_train_batch_end(self, batch, logs=None):
        self._end(self._train, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        run = self._train
        if run is not None and run.capture is not None:
            self._guard_capture(run, run.capture.epoch_end,
                                run.clock.last_step)

    def on_train_end(self, logs=None):
        self._finish(self._train, also=schema.VALIDATION)
        self._train = None

    def on_test_begin(self, logs=None):
        self._test = self._start(None)

    def on_test_batch_begin(self, batch, logs=None):
        self._begin(self._test, batch)

    def on_test_batch_end(self, batch, logs=None):
        self._end(self._test, batch, logs)

    def on_test_end(self, logs=None):
        run, self._test = self._test, None
        if run is not None and run.name == schema.VALIDATION:
            self._active.discard(run.name)
            try:
                self._drain(run, final=True)
            except Exception as e:
                self._break(e)
        else:
            self._finish(run)

    def on_predict_begin(self, logs=None):
        self._predict = self._start(schema.PREDICT)

    def on_predict_batch_begin(self, batch, logs=None):
        self._begin(self._predict, batch)

    def on_predict_batch_end(self, batch, logs=None):
        self._end(self._predict, batch, logs)

    def on_predict_end(self, logs=None):
        self._finish(self._predict)
        self._predict = None

    # ---- plumbing --------------------------------------------------------

    def _start(self, name):
        if self._broken:
            return None
        try:
            loop = keras_loop.loop_info(self.model)
            if name is None:
                name = schema.VALIDATION if loop.inside_fit else schema.EVALUATE
            run = self._run(name)
            # Points left by a call that died (an exception mid-fit) are
            # written now, before this call's steps follow them.
            self._drain(run, final=True)
            if self.batch_size is not None:
                loop = keras_loop.LoopInfo(self.batch_size, None, None,
                                      loop.inside_fit)
            run.loop = loop
            run.offset = run.clock.last_step
            for other in list(self._runs.values()):
                # A capture left by a call that died stops here, saved.
                self._stop_orphan_capture(other, final=False)
            if run.capture is not None:
                run.steps_per_call = max(
                    1, int(getattr(self.model, "steps_per_execution", 1) or 1))
                run.frame = keras_loop.trainer_frame(self.model)
                run.thread = threading.get_ident()
            run.clock.anchor(first_of_call=True)
            self._active.add(name)
            self._flusher.start()
            return run
        except Exception as e:
            self._break(e)
            return None

    def _begin(self, run, batch):
        if run is None or self._broken:
            return
        first = run.offset + batch + 1
        if run.slow is not None:
            self._guard_capture(run, self._watch_slow, run, first)
        if run.capture is not None:
            self._guard_capture(run, run.capture.begin, first,
                                first + run.steps_per_call - 1)
        try:
            run.clock.begin(first)
        except Exception as e:
            self._break(e)

    def _watch_slow(self, run, first):
        window = run.slow.observe(first, time.perf_counter())
        if window is not None:
            _, interval, median = run.slow.triggers[-1]
            run.capture.trigger(window, {
                "slow_step": first - 1, "interval_ms": interval * 1e3,
                "median_ms": median * 1e3, "factor": run.slow.factor})

    def _guard_capture(self, run, fn, *args):
        """Profiling that fails is turned off, with one warning."""
        try:
            fn(*args)
        except Exception as e:
            capture, run.capture = run.capture, None
            try:
                capture.stop()
            except Exception:
                pass
            warnings.warn("keras_timing: profiling of %s stopped after an "
                          "error, timing and training go on: %r"
                          % (run.name, e), stacklevel=3)

    def _end(self, run, batch, logs):
        if run is None or self._broken:
            return
        try:
            t = time.perf_counter()
            if run.loop.num_batches and batch >= run.loop.num_batches:
                # Keras names the last call's end step as if it ran all of
                # `steps_per_execution` steps, also past the data's end.
                batch = run.loop.num_batches - 1
            if run.name == schema.PREDICT and logs and "outputs" in logs:
                samples = keras_loop.leading_dim(logs["outputs"])
            else:
                samples = self._samples_fn(run.loop, batch)
            waiting = run.clock.end_count(run.offset + batch + 1, t, samples)
            if waiting % DRAIN_AT == 0:
                self._flusher.wake()
            if waiting >= MAX_WAITING:
                # The writer thread cannot keep up (steps faster than it
                # can write them while holding the GIL): this hook writes,
                # so memory stays bounded. Its own time was taken above.
                self._flush_quietly()
        except Exception as e:
            self._break(e)

    @staticmethod
    def _samples_fn(loop, last_local):
        if not loop.batch_size:
            return None
        return lambda steps: loop.samples(last_local - steps + 1, last_local)

    def _run(self, name):
        with self._lock:
            if self.launch_dir is None:
                self.worker = workers.worker_info()
                self.launch_dir = self._make_launch_dir()
            run = self._runs.get(name)
            if run is None:
                # A non-chief worker writes its own points only, one level
                # down (e.g. `train/worker_1`), never the shared run folder.
                run = _Run(name, os.path.join(
                    self.launch_dir, name, *filter(None,
                                                   [self.worker.folder])))
                slow = name == schema.TRAIN and self._slow_factor
                if name in self._schedules or slow:
                    _warm_up(self._profiler)
                    if slow:
                        run.slow = slow_steps.SlowSteps(self._slow_factor)
                    run.capture = Capture(
                        self._schedules.get(name), run.writer.path,
                        schema.MARKER_NAMES[name], self._profiler,
                        sync=lambda r=run: self._profiler.sync(self.model,
                                                               r.frame))
                if not self._runs and self.worker.is_chief:
                    run.writer.layout(per_sample_layout(
                        "time per sample (ms), p10-p90 band",
                        schema.MS_PER_SAMPLE, schema.MS_PER_SAMPLE_P10,
                        schema.MS_PER_SAMPLE_P90))
                self._runs[name] = run
            return run

    def _make_launch_dir(self):
        if self.worker.multi:
            # Every worker must pick the same folder: no launch time, no
            # per-process `-1` suffix.
            base = self.run_name or self.worker.shared_launch_name()
            if self.run_name is None:
                warnings.warn(
                    "keras_timing: %d workers share the launch folder %r "
                    "derived from the cluster; pass FitPredictTimer("
                    "run_name=...) to keep launches apart."
                    % (self.worker.count, base), stacklevel=4)
            path = os.path.join(self.log_dir, base)
            os.makedirs(path, exist_ok=True)
            return path
        base = self.run_name or time.strftime("%Y%m%d-%H%M%S")
        os.makedirs(self.log_dir, exist_ok=True)
        for i in range(1000):
            path = os.path.join(self.log_dir,
                                base if i == 0 else "%s-%d" % (base, i))
            try:
                os.makedirs(path)
                return path
            except FileExistsError:
                continue
        raise FileExistsError("no free launch folder under %r" % self.log_dir)

    def _drain(self, run, final=False):
        with self._lock:
            times = run.clock.drain(final=final)
            if not times and not final:
                return
            for step, values in run.stats.add(times, final=final):
                run.writer.scalars(step, values)
            if run.stats.unknown_batch_size and not run.told_unknown_size:
                run.told_unknown_size = True
                warnings.warn(
                    "keras_timing: the batch size of %s batches is unknown "
                    "(the data adapter does not say it), so samples/s is "
                    "left out; pass FitPredictTimer(batch_size=...) to set "
                    "it." % run.name, stacklevel=2)

    def _flush_quietly(self, final=False):
        if self._broken:
            return
        try:
            for run in list(self._runs.values()):
                self._stop_orphan_capture(run, final)
                self._drain(run, final=final)
                run.writer.flush()
        except Exception as e:
            self._break(e)

    def _stop_orphan_capture(self, run, final):
        """Stops a capture whose fit/evaluate/predict died by an exception.

        Keras calls no end hook then; left running, the profiler would
        refuse the next capture, ours or anyone's.
        """
        capture = run.capture
        if capture is None or not capture.active:
            return
        if final or run.frame is None or not keras_loop.still_running(
                run.frame, run.thread):
            run.frame = None
            self._guard_capture(run, capture.stop, True)

    def _finish(self, run, also=None):
        if run is None or self._broken:
            return
        try:
            self._active.discard(run.name)
            if not self._active:
                # The thread is for long phases; between them nothing runs.
                self._flusher.pause()
            if run.capture is not None:
                self._guard_capture(run, run.capture.stop)
                run.frame = None
            self._drain(run, final=True)
            shown = [run] + ([self._runs[also]] if also in self._runs else [])
            summaries = self.summaries()
            ratio = summary_text.fit_predict_ratio(summaries)
            for r in shown:
                text = summary_text.markdown([summaries[r.name]], ratio)
                r.writer.text(schema.SUMMARY_TEXT, r.clock.last_step, text)
                r.writer.scalars(r.clock.last_step, {
                    schema.SUMMARY_SCALARS + k: summaries[r.name][k]
                    for k in schema.SUMMARY_FIELDS
                    if not math.isnan(summaries[r.name][k])})
                r.writer.flush()
            if self.verbose:
                out = ["keras_timing (%s):" % self.launch_dir]
                for r in shown:
                    out += summary_text.lines(summaries[r.name])
                if not math.isnan(ratio):
                    out.append(summary_text.ratio_line(ratio))
                print("\n".join(out))
        except Exception as e:
            self._break(e)

    def _break(self, error):
        """The timer stops, with one warning; training never does."""
        with self._break_lock:
            # The writer thread and the training thread may fail at once.
            first, self._broken = not self._broken, True
        if first:
            warnings.warn("keras_timing: timing stopped after an error, "
                          "training goes on: %r" % (error,), stacklevel=3)
            for run in list(self._runs.values()):
                try:
                    run.writer.close()
                except Exception:
                    pass

    # ---- public ----------------------------------------------------------

    def summaries(self):
        """Summary dicts per run name (see `RunStats.summary`)."""
        with self._lock:
            return {name: run.stats.summary()
                    for name, run in self._runs.items()}

    @property
    def fit_predict_ratio(self):
        """Train over predict time per sample (a step's batch plus input
        wait, first batches left out); NaN until both ran."""
        return summary_text.fit_predict_ratio(self.summaries())

    def flush(self):
        """Writes every finished batch to disk now.

        Also stops (and saves) a profiler capture whose `fit`, `evaluate`
        or `predict` ended by an exception.
        """
        self._flush_quietly()

    @property
    def profile_sessions(self):
        """Session folders of the profiler captures saved so far."""
        return [s for run in self._runs.values() if run.capture
                for s in run.capture.sessions]
