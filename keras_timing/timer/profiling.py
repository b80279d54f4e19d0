"""The timer's side of profiling: which runs capture, bound once per call.

`Profiling` parses the `profile_*` arguments (refusing bad ones before
training), gives each profiled run a `profiling.session.Capture` (the others
keep their `NullCapture`) and drives it from the begin hooks. A capture that
fails is turned off with one warning; timing and training go on.
"""

import warnings

from keras_timing import schema
from keras_timing.analysis.steps import StepKind
from keras_timing.profiling import backends
from keras_timing.profiling import schedule
from keras_timing.profiling import slow_steps
from keras_timing.profiling.session import Capture
from keras_timing.timer import keras_loop
from keras_timing.timer.recorder import NullCapture


class Profiling:
    """The profile arguments of one timer.

    Args:
        profile_steps, profile_predict_steps, profile_evaluate_steps,
        profile_slow_steps: As `FitPredictTimer` takes them.

    Example:

    >>> Profiling(None, None, None, None).on
    False
    """

    def __init__(self, profile_steps, profile_predict_steps,
                 profile_evaluate_steps, profile_slow_steps):
        self.slow_factor = slow_steps.parse_factor(profile_slow_steps)
        self.schedules = {
            run: parsed for run, parsed in (
                (schema.TRAIN, schedule.parse(profile_steps,
                                              "profile_steps")),
                (schema.PREDICT, schedule.parse(profile_predict_steps,
                                                "profile_predict_steps")),
                (schema.EVALUATE, schedule.parse(profile_evaluate_steps,
                                                 "profile_evaluate_steps")),
            ) if parsed is not None}
        self.on = bool(self.schedules or self.slow_factor)
        # Refuses a backend without a profiler now, not mid-training.
        self.profiler = backends.get() if self.on else None
        self._captures = {}
        self._all = []
        self._told = 0

    def attach(self, run, model, frame):
        """Gives `run` this timer's capture for the call now starting.

        The model and the loop's frame are bound here, once per call: on
        JAX, reading `Callback.model` syncs the training state.
        """
        slow = run.run == schema.TRAIN and self.slow_factor
        if run.name != run.run or not (run.run in self.schedules or slow):
            run.capture = NullCapture()
            return
        capture = self._captures.get(run.name)
        if capture is None:
            backends.warm_up(self.profiler)
            capture = self._captures[run.name] = Capture(
                self.schedules.get(run.run), run.writer.path,
                schema.MARKER_NAMES[run.run], self.profiler)
            self._all.append(capture)
            if slow:
                run.slow = slow_steps.SlowSteps(self.slow_factor)
        profiler = self.profiler
        capture.sync = lambda: profiler.sync(model, frame)
        # No frame found (a custom loop calling the hooks): cannot tell
        # whether the call died, so the capture is never taken for dead.
        capture.alive = None if frame is None else (
            lambda: keras_loop.still_running(frame))
        run.capture = capture

    def begin(self, run, first, t):
        """At a begin hook: slow-step watch, then the capture's markers.

        A step whose time holds the profiler's start, stop, markers or
        tracing is marked `StepKind.PROFILED` on the timeline: it is left
        out of the figures (README: "Profiler traces").
        """
        if isinstance(run.capture, NullCapture):
            return
        if self.slow_factor and run.run == schema.TRAIN:
            self.guard(run, self._watch_slow, run, first, t)
        last = first + run.steps_per_execution - 1
        if self.guard(run, run.capture.begin, first, last):
            # This step's begin was taken before the profiler's work: its
            # row is begun, not drained (it has not ended), so the mark
            # reaches it.
            run.timeline.mark(run, first, last, StepKind.PROFILED)

    @staticmethod
    def _watch_slow(run, first, t):
        window = run.slow.observe(first, t)
        if window is not None:
            _, interval, median = run.slow.triggers[-1]
            run.capture.trigger(window, {
                "slow_step": first - 1, "interval_ms": interval * 1e3,
                "median_ms": median * 1e3, "factor": run.slow.factor})

    def guard(self, run, fn, *args):
        """Profiling that fails is turned off, with one warning; returns
        what `fn` returned, None after a failure."""
        try:
            return fn(*args)
        except Exception as e:
            capture, run.capture = run.capture, NullCapture()
            self._captures.pop(run.name, None)
            try:
                capture.stop()
            except Exception:
                pass
            warnings.warn("keras_timing: profiling of %s stopped after an "
                          "error, timing and training go on: %r"
                          % (run.name, e), stacklevel=3)

    def finish(self, run):
        """At the call's end: the capture stops, saved."""
        self.guard(run, run.capture.stop)
        run.capture = NullCapture()

    def new_sessions_text(self):
        """Lines naming the captures saved since the last call, and where
        each opens (torch's Chrome traces: not in TensorBoard)."""
        sessions = self.sessions
        new, self._told = sessions[self._told:], len(sessions)
        where = ("https://ui.perfetto.dev or chrome://tracing"
                 if getattr(self.profiler, "session_folder", None)
                 else "TensorBoard's Profile tab")
        return ["profiler capture: %s (open in %s)" % (s, where) for s in new]

    @property
    def sessions(self):
        """Session folders of every capture this timer saved."""
        return [s for c in self._all for s in c.sessions]
