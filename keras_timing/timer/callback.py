"""FitPredictTimer: the Keras hooks and the argument checks, nothing else.

Each hook is a call or two on the run's recorder (`recorder.py`); the launch
(`launch.py`) owns the folder, the device timeline and the writer thread.
"""

import os
import time
import warnings

import keras

from keras_timing import backend
from keras_timing import schema
from keras_timing.profiling import compiles
from keras_timing.profiling import session
from keras_timing.timer import arguments
from keras_timing.timer import keras_loop
from keras_timing.timer import launch as launch_lib
from keras_timing.timer import throughput
from keras_timing.analysis.summary import fit_predict_ratio
from keras_timing.timer.profiling import Profiling


class FitPredictTimer(keras.callbacks.Callback):
    """Logs the time of every train, validation, evaluate and predict batch.

    Each run is a TensorBoard run under `log_dir/<launch>/` (`train`,
    `validation`, `evaluate`, `predict`) with `timing/*` scalars at the
    global 1-based step (README: "Runs and tags"). Each call ends with a
    summary, a verdict and, once fit and predict of one model ran, their
    ratio per sample (totals, compilation and warm-up left out).

    Args:
        log_dir: Folder for the event files; each launch gets a sub-folder.
        run_name: Name of that sub-folder. Default: the first call's time,
            shared by every timer of this process with the same `log_dir`.
        batch_size: Samples per batch, when neither the data adapter nor
            the data tells.
        flush_secs: At most this many seconds of points are held in memory
            before they are written.
        verbose: 0 for silence, 1 to print the summaries.
        profile_steps: Train steps to capture with the framework's profiler
            (global 1-based steps, as on the x axis): an int `N`, an
            inclusive `(start, stop)` tuple, a `"start,stop"` string, a list
            of those, or a `keras_timing.ProfileSchedule`. Each capture is a
            session under `<launch>/train/plugins/profile/` (torch:
            `torch_traces/`, out of the Profile tab), with a step
            marker per step, for TensorBoard's Profile tab.
        profile_predict_steps: The same for predict batches.
        profile_evaluate_steps: The same for `evaluate` batches
            (validation inside `fit` is not profiled).
        profile_slow_steps: A number > 1, or None: when a train step takes
            that many times the median step, the next 3 steps are
            captured (at most 5 captures a run, 20 steps apart).
        count_flops: Count the FLOPs of the model's train and predict
            steps, after a call's last step, once per model and shape:
            True, False, or "auto" (calls of 20 s or more, where it costs
            under ~5%).

    Example:

    ```python
    timer = FitPredictTimer(log_dir="logs")
    model.fit(x, y, epochs=10, callbacks=[timer])
    model.predict(x, callbacks=[timer])
    # tensorboard --logdir logs
    ```
    Profiler traces of train steps 10-15: `profile_steps=(10, 15)`.
    """

    # Keep Keras's asynchronous end-hook dispatch on JAX and torch: our end
    # hooks then run after the step's logs reached the host, which is what
    # makes the times device-paced, and the training thread never waits.
    async_safe = True

    def __init__(self, log_dir="logs", run_name=None, batch_size=None,
                 flush_secs=1.0, verbose=1, profile_steps=None,
                 profile_predict_steps=None, profile_evaluate_steps=None,
                 profile_slow_steps=None, count_flops="auto"):
        super().__init__()
        self._profiling = Profiling(profile_steps, profile_predict_steps,
                                    profile_evaluate_steps,
                                    profile_slow_steps)
        arguments.check(log_dir, run_name, batch_size, flush_secs, verbose,
                        count_flops)
        arguments.check_writable(os.fspath(log_dir))
        self.log_dir = os.fspath(log_dir)
        self.run_name = run_name
        self.batch_size = batch_size
        self.flush_secs = flush_secs
        self.verbose = int(verbose)
        self.count_flops = count_flops
        self._launch = None
        self._train = self._test = self._predict = None

    @property
    def launch_dir(self):
        """This timer's launch folder, once its first call began."""
        return self._launch.path if self._launch is not None else None

    @property
    def worker(self):
        """This process's place in a multi-worker job (`workers.WorkerInfo`),
        once the first call began."""
        return self._launch.worker if self._launch is not None else None

    def on_train_begin(self, logs=None):
        self._train = self._start(schema.TRAIN)

    def on_epoch_begin(self, epoch, logs=None):
        self._guard(self._train, "epoch_begin", time.perf_counter())

    def on_train_batch_begin(self, batch, logs=None):
        self._begin(self._train, batch)

    def on_train_batch_end(self, batch, logs=None):
        self._end(self._train, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        run = self._train
        if run is not None and not self._launch.broken:
            # Keras ran every end hook of the epoch before this one: a step
            # begun and never ended had no data, and is dropped.
            self._guard(run, "settle")
            self._launch.timeline.close()
            self._profiling.guard(run, run.capture.epoch_end, run.last_step)

    def on_train_end(self, logs=None):
        self._finish(self._train, also=schema.VALIDATION)
        self._train = None

    def on_test_begin(self, logs=None):
        inside_fit = (self._train is not None
                      and self._train.model is self._model_seen())
        self._test = self._start(
            schema.VALIDATION if inside_fit else schema.EVALUATE)

    def on_test_batch_begin(self, batch, logs=None):
        self._begin(self._test, batch)

    def on_test_batch_end(self, batch, logs=None):
        self._end(self._test, batch, logs)

    def on_test_end(self, logs=None):
        run, self._test = self._test, None
        if run is not None and run.run == schema.VALIDATION:
            # Its figures are finished with the fit's, whose queued steps
            # may still be running.
            self._guard(run, "end_call", time.perf_counter())
            self._launch.call_ended()
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

    def _model_seen(self):
        # `self.model` syncs JAX state on every read; identity needs none.
        return getattr(self, "_model", None)

    def _start(self, run_name):
        t = time.perf_counter()
        try:
            if self._launch is not None and self._launch.broken:
                return None
            if self._launch is None:
                self._launch = launch_lib.for_timer(
                    self.log_dir, self.run_name, self.flush_secs)
            launch = self._launch
            model = self._model_seen()
            if run_name == schema.VALIDATION:
                loop, frame = keras_loop.validation_info(model), None
                parent = self._train.current_call()
            else:
                loop, frame = keras_loop.call_frame(model)
                parent = None
            if self.batch_size is not None:
                loop = keras_loop.LoopInfo(self.batch_size, loop.num_batches,
                                           adapter=loop.adapter)
            run, own = launch.recorder(run_name, model)
            if run.owner is not None and run.owner is not self:
                # Another timer of the shared launch is timing this run
                # right now (two timers on one fit): this one writes a
                # launch of its own.
                self._launch = launch = launch_lib.Launch(
                    self.log_dir, None, self.flush_secs)
                run, own = launch.recorder(run_name, model)
            run.owner, run.model, run.own = self, model, own
            # A capture and points left by a call that died (Keras calls no
            # end hook then) are saved first, whoever started them.
            session.stop_orphans()
            # Outside a fit of ours no step can still be running: a step
            # begun by a call that died never ends.
            launch.drain(final=True, close=parent is None
                         and self._train is None)
            self._profiling.attach(run, model, frame)
            run.start_call(loop, t, compiles.counter(
                backend.name(), model, run.kind), keras_loop.
                steps_per_execution(model), parent)
            run.frame = frame
            launch.call_started(frame)
            return run
        except Exception as e:
            self._fail(e)
            return None

    def _begin(self, run, batch):
        if run is None or self._launch.broken:
            return
        t = time.perf_counter()
        try:
            first = run.begin(batch, t)
        except Exception as e:
            self._fail(e)
            return
        self._profiling.begin(run, first, t)

    def _end(self, run, batch, logs):
        if run is None or self._launch.broken:
            return
        try:
            self._launch.waiting(run.end(batch, time.perf_counter(), logs))
        except Exception as e:
            self._fail(e)

    def _guard(self, run, method, *args):
        if run is not None and not self._launch.broken:
            try:
                getattr(run, method)(*args)
            except Exception as e:
                self._fail(e)

    def _fail(self, error):
        if self._launch is not None:
            self._launch.fail(error)
        else:
            warnings.warn("keras_timing: timing stopped after an error, "
                          "training goes on: %r" % (error,), stacklevel=3)

    def _finish(self, run, also=None):
        if run is None or self._launch.broken:
            return
        launch = self._launch
        try:
            run.settle()   # did the last step compile?
            launch.timeline.close()
            self._profiling.finish(run)
            if throughput.worth_counting(self.count_flops, run):
                # After the call's last step, inside the call: counting
                # compiles or traces the step once more, and no step
                # should hold that.
                launch.throughput.count(run, run.model, run.loop, run.own)
            run.end_call(time.perf_counter())
            launch.drain(final=True)
            launch.throughput.backfill(run)
            launch.call_ended(run.frame)
            run.owner = run.model = None
            launch.summarize(run, also, self.verbose)
            if self.verbose:
                for line in self._profiling.new_sessions_text():
                    print(line)
        except Exception as e:
            self._fail(e)

    def summaries(self):
        """Summary dicts per run folder name (see `RunStats.summary`)."""
        return self._launch.summaries() if self._launch is not None else {}

    @property
    def fit_predict_ratio(self):
        """Train over predict time per sample (totals of the steps' whole
        intervals, compilation and warm-up left out); NaN until both ran."""
        return fit_predict_ratio(self.summaries())

    def flush(self):
        """Writes every finished batch to disk now.

        Also stops (and saves) a profiler capture whose `fit`, `evaluate`
        or `predict` ended by an exception.
        """
        if self._launch is not None:
            self._launch.flush()

    @property
    def profile_sessions(self):
        """Session folders of the profiler captures saved so far."""
        return self._profiling.sessions
