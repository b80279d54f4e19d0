"""FitPredictTimer: the Keras hooks and the argument checks, nothing else.

Each hook is one line into the running call (`call.py`), which drives the
run's recorder (`recorder.py`); the launch (`launch.py`) owns the folder,
the device timeline and the writer thread.
"""

from __future__ import annotations

import os
import warnings
from typing import Union

import keras

from keras_timing import schema
from keras_timing.analysis.summary import fit_predict_ratio
from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.timer import arguments
from keras_timing.timer import died_calls
from keras_timing.timer.call import NULL_CALL
from keras_timing.timer.call import Call
from keras_timing.timer.call import Settings
from keras_timing.timer.profiling import Profiling
from keras_timing.timer.workers import WorkerInfo

# What `profile_steps` and its siblings accept (see `schedule.parse`).
StepsArg = Union[None, int, str, tuple, list, ProfileSchedule]


class FitPredictTimer(keras.callbacks.Callback):
    """Logs the time of every train, validation, evaluate and predict batch.

    Each run is a TensorBoard run under `log_dir/<launch>/` (`train`,
    `validation`, `evaluate`, `predict`) with `timing/*` scalars at the
    global 1-based step (README: "Runs and tags"). Each call ends with a
    summary, a verdict and, once fit and predict of one model ran, their
    ratio per sample (totals, compilation and warm-up left out).

    Args:
        log_dir: Folder for the event files; each launch gets a sub-folder.
        launch_name: Name of that sub-folder. Default: the first call's
            time, shared by every timer of this process with the same
            `log_dir`.
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
            steps, after a call's last step, once per model and shape, on
            a background thread: True (the call waits for it only where
            its printed summary or verdict needs it), False, or "auto"
            (after calls of 20 s or more and where the verdict needs them,
            never waited for; README: "Throughput and memory").
        run_name: Deprecated alias of `launch_name`, for one release.

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

    def __init__(self, log_dir: str | os.PathLike = "logs",
                 launch_name: str | None = None,
                 batch_size: int | None = None, flush_secs: float = 1.0,
                 verbose: int = 1, profile_steps: StepsArg = None,
                 profile_predict_steps: StepsArg = None,
                 profile_evaluate_steps: StepsArg = None,
                 profile_slow_steps: float | None = None,
                 count_flops: bool | str = "auto",
                 run_name: str | None = None) -> None:
        super().__init__()
        if run_name is not None:
            warnings.warn("FitPredictTimer(run_name=...) is deprecated and "
                          "will be removed in the next release: it names "
                          "the launch folder; use launch_name=...",
                          FutureWarning, stacklevel=2)
            if launch_name is not None and launch_name != run_name:
                raise ValueError("launch_name and its deprecated alias "
                                 "run_name were both given: pass "
                                 "launch_name only")
            launch_name = run_name
        self._profiling = Profiling(profile_steps, profile_predict_steps,
                                    profile_evaluate_steps,
                                    profile_slow_steps)
        arguments.check(log_dir, launch_name, batch_size, flush_secs,
                        verbose, count_flops)
        arguments.check_writable(os.fspath(log_dir))
        self.log_dir = os.fspath(log_dir)
        self.launch_name = launch_name
        self.batch_size = batch_size
        self.flush_secs = flush_secs
        self.verbose = int(verbose)
        self.count_flops = count_flops
        self._settings = Settings(self.log_dir, launch_name, flush_secs,
                                  self.verbose, batch_size, count_flops)
        self._launch = None
        self._stopped = False
        self._train = self._test = self._predict = NULL_CALL

    @property
    def launch_dir(self) -> str | None:
        """This timer's launch folder, once its first call began."""
        return self._launch.path if self._launch is not None else None

    @property
    def worker(self) -> WorkerInfo | None:
        """This process's place in a multi-worker job (`workers.WorkerInfo`),
        once the first call began."""
        return self._launch.worker if self._launch is not None else None

    @property
    def run_name(self) -> str | None:
        """Deprecated alias of `launch_name`."""
        return self.launch_name

    # Each Keras hook is one line into the running call (`call.py`).

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._train = self._open(schema.TRAIN)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._train.epoch_begin()

    def on_train_batch_begin(self, batch: int,
                             logs: dict | None = None) -> None:
        self._train.begin(batch)

    def on_train_batch_end(self, batch: int,
                           logs: dict | None = None) -> None:
        self._train.end(batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._train.epoch_end()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._train = self._train.finish()

    def on_test_begin(self, logs: dict | None = None) -> None:
        inside_fit = (bool(self._train)
                      and self._train.model is self._model_seen())
        self._test = (self._open(schema.VALIDATION, parent=self._train)
                      if inside_fit else self._open(schema.EVALUATE))

    def on_test_batch_begin(self, batch: int,
                            logs: dict | None = None) -> None:
        self._test.begin(batch)

    def on_test_batch_end(self, batch: int,
                          logs: dict | None = None) -> None:
        self._test.end(batch, logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._test = self._test.finish()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._predict = self._open(schema.PREDICT)

    def on_predict_batch_begin(self, batch: int,
                               logs: dict | None = None) -> None:
        self._predict.begin(batch)

    def on_predict_batch_end(self, batch: int,
                             logs: dict | None = None) -> None:
        self._predict.end(batch, logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._predict = self._predict.finish()

    def _model_seen(self):
        # `self.model` syncs JAX state on every read; identity needs none.
        return getattr(self, "_model", None)

    def _open(self, run_name, parent=NULL_CALL):
        if self._stopped:
            # Timing stopped after an error, with its one warning.
            return NULL_CALL
        # A fit that died (Keras called no end hook) runs no more.
        fit_running = bool(self._train) and not died_calls.all_done(
            [self._train.frame])
        call = Call.open(self._launch, run_name, self._model_seen(), self,
                         self._settings, self._profiling, parent,
                         fit_running=fit_running)
        if call.launch is not None:
            self._launch = call.launch
        self._stopped = call.stopped
        return call

    def summaries(self) -> dict:
        """Summary dicts per run folder name (see `RunStats.summary`), with
        the FLOPs of counts still running once they land (at most
        `throughput.FLUSH_WAIT_S`)."""
        if self._launch is None:
            return {}
        self._launch.throughput.wait()
        return self._launch.summaries()

    @property
    def fit_predict_ratio(self) -> float:
        """Train over predict time per sample (totals of the steps' whole
        intervals, compilation and warm-up left out); NaN until both ran."""
        return fit_predict_ratio(self.summaries())

    @property
    def fit_predict_interval(self) -> tuple:
        """`(low, high)`: the 95% bootstrap interval of `fit_predict_ratio`
        over the counted steps of both runs; NaNs where there is none."""
        if self._launch is None:
            return (float("nan"), float("nan"))
        fp = self._launch.fit_predict()
        return (fp.low, fp.high)

    def flush(self) -> None:
        """Writes every finished batch to disk now.

        Also stops (and saves) a profiler capture whose `fit`, `evaluate`
        or `predict` ended by an exception.
        """
        if self._launch is not None:
            # FLOP counts still running land first (at most
            # `throughput.FLUSH_WAIT_S`), then everything is written.
            self._launch.throughput.wait()
            self._launch.flush()

    @property
    def profile_sessions(self) -> list:
        """Session folders of the profiler captures saved so far."""
        return self._profiling.sessions

    def _repr_html_(self) -> str:
        """The launch as an HTML table, for a notebook cell ending in the
        timer: runs, figures, verdicts, the ratio (`report.html`)."""
        from keras_timing.report import html

        return html.timer_html(self)
