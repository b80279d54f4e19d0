"""Profiler captures of one run, driven step by step from the begin hooks.

`Capture` decides, at each batch-begin hook, whether to start the profiler,
open a step marker, or stop; the framework work is the backend module's
(`keras_timing.profiling.backends`). Everything here runs on the training thread:
markers are opened and closed there (a step marker is thread-bound), so a
step's marker spans from its begin hook to the next step's begin hook (or
the epoch's end). On JAX and torch (GPU), whose steps are dispatched ahead
of the device, the marker closes only after waiting for the step to finish
(`sync`): inside a capture, steps run one at a time, so the profiler and the
timer time the same thing; outside captures nothing waits.
"""

import json
import os
import warnings

from keras_timing import schema
from keras_timing.profiling import backends

class Capture:
    """Captures of one run (`train`, `predict`, ...) on a schedule.

    Args:
        schedule: A parsed schedule (`keras_timing.profiling.schedule.parse`), or
            None when only `trigger` starts captures.
        run_dir: The run folder; sessions go to `plugins/profile/` in it.
        marker: The step-marker name (`train`, `test`, `predict`).
        profiler: A backend module (`keras_timing.profiling.backends.get()`).
        sync: Called before a step marker closes: waits for the step.
    """

    def __init__(self, schedule, run_dir, marker, profiler, sync=None):
        self.schedule = schedule
        self.sync = sync
        self.run_dir = run_dir
        self.marker = marker
        self.profiler = profiler
        self.sessions = []
        self._window = None
        self._skipped = None
        self._open = None
        self._session = None
        self._marked = []
        self._extra = None
        self._reason = None

    @property
    def active(self):
        return self._session is not None

    def begin(self, first, last):
        """At the begin hook of the call running global steps first..last."""
        self._close_marker()
        if self._window is not None and first > self._window.last:
            self.stop()
        window = self._window_at(first, last)
        if window is None or window == self._skipped:
            return
        if self._session is None:
            self._start(window)
            if self._session is None:
                return
        if last >= window.first and first <= window.last:
            self._open = self.profiler.open_step(self.marker, first)
            self._marked.append(first)

    def trigger(self, window, reason):
        """Captures `window` too (a slow step was seen), unless one runs."""
        if self._session is None:
            self._extra, self._reason = window, reason

    def _window_at(self, first, last):
        extra = self._extra
        if extra is not None:
            if first > extra.last:
                self._extra = None
            elif last >= extra.start:
                return extra
        if self.schedule is None:
            return None
        return self.schedule.window(first, last)

    def epoch_end(self, last_step):
        """At epoch end: no step may span the epoch boundary."""
        self._close_marker()
        if self._window is not None and last_step >= self._window.last:
            self.stop()

    def stop(self, died=False):
        """Stops a running capture, saving it; returns the files written.

        `died`: the call died inside a step, whose marker is then dropped,
        not closed: that step never ran to its end.
        """
        # A dropped marker still ends when its handle is freed, so the
        # handle lives until the profiler has stopped.
        dropped = None
        if died:
            dropped, self._open = self._open, None
        else:
            self._close_marker()
        if self._session is None:
            return []
        session, window, marked = self._session, self._window, self._marked
        reason = self._reason if window == self._extra else None
        if dropped is not None:
            marked = marked[:-1]
        self._session = self._window = None
        self._marked = []
        files = self.profiler.stop()
        del dropped
        with open(os.path.join(session, schema.SIDECAR), "w") as f:
            json.dump({"run": os.path.basename(self.run_dir),
                       "marker": self.marker, "window": list(window),
                       "marked_steps": marked,
                       "trigger": reason,
                       "files": [os.path.basename(p) for p in files]}, f)
        self.sessions.append(session)
        return files

    def _start(self, window):
        session = backends.new_session_dir(self.run_dir)
        try:
            self.profiler.start(session)
        except backends.ProfilerBusy as e:
            self._skipped = window
            warnings.warn(
                "keras_timing: another profiler is running (%s); the %s "
                "capture of steps %d-%d is skipped, training goes on."
                % (e, self.marker, window.first, window.last), stacklevel=4)
            return
        self._session, self._window, self._marked = session, window, []

    def _close_marker(self):
        if self._open is not None:
            handle, self._open = self._open, None
            if self.sync is not None:
                self.sync()
            self.profiler.close_step(handle)
