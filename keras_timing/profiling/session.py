"""Profiler captures of one run, driven step by step from the begin hooks.

`Capture` decides, at each batch-begin hook, whether to start the profiler,
open a step marker, or stop; the framework work is the backend's
(`keras_timing.profiling.backends`). Everything here but `stop_orphans`
runs on the training thread: markers are opened and closed there (a step
marker is thread-bound), so a step's marker spans from its begin hook to
the next step's begin hook (or the epoch's end). On JAX and torch (GPU),
whose steps are dispatched ahead of the device, the marker closes only
after waiting for the step to finish (`sync`): inside a capture, steps run
one at a time, so the profiler and the timer time the same thing; outside
captures nothing waits.

The profiler is one per process, so its captures are tracked process-wide:
a capture whose owner's `fit`/`evaluate`/`predict` call died (an exception,
Ctrl-C; Keras then calls no end hook) is an orphan, and `stop_orphans()`
stops and saves it. Every capture calls it before it starts the profiler,
so a new timer's capture first saves what an earlier one left running.
"""

import json
import os
import threading
import warnings

from keras_timing import paths
from keras_timing import schema
from keras_timing.profiling import backends

_lock = threading.RLock()
_active = []


def stop_orphans():
    """Stops and saves every running capture whose `alive()` is False.

    A capture whose owner cannot tell (`alive=None`) is never an orphan by
    this test. A capture whose profiler must be stopped on the thread that
    started it (torch) is left for a call on that thread. A stop that fails
    gives one warning and the others go on.

    Returns:
        The session folders saved.

    >>> stop_orphans()
    []
    """
    with _lock:
        orphans = [c for c in _active if c.alive is not None
                   and c.profiler.can_stop_here()]
    saved = []
    for capture in orphans:
        try:
            if capture.alive():
                continue
            before = len(capture.sessions)
            capture.stop(died=True)
            saved += capture.sessions[before:]
        except Exception as e:
            warnings.warn("keras_timing: a profiler capture left by an "
                          "earlier call could not be saved: %r" % (e,),
                          stacklevel=2)
    return saved


def new_session(run_dir, profiler):
    """Creates and returns a new, empty session folder for `profiler`.

    `<run_dir>/plugins/profile/<name>` (`backends.new_session_dir`), where
    TensorBoard's Profile tab lists it; a profiler whose traces the tab
    cannot read (torch) has a `session_folder`, and its sessions go to
    `<run_dir>/<session_folder>/<name>` instead.

    Args:
        run_dir: The run folder (`<launch>/train`, ...).
        profiler: A profiler (`backends.get()`).

    >>> import tempfile
    >>> from keras_timing.profiling.backends.base import Profiler
    >>> class Elsewhere(Profiler):
    ...     session_folder = "elsewhere"
    >>> root = tempfile.mkdtemp()
    >>> path = new_session(root, Elsewhere())
    >>> os.path.relpath(os.path.dirname(path), root), os.listdir(root)
    ('elsewhere', ['elsewhere'])
    """
    folder = getattr(profiler, "session_folder", None)
    if folder is None:
        return backends.new_session_dir(run_dir)
    return paths.new_folder(os.path.join(os.fspath(run_dir), folder),
                            backends.session_name(), "_", "session folder")


class Capture:
    """Captures of one run (`train`, `predict`, ...) on a schedule.

    Args:
        schedule: A parsed schedule (`profiling.schedule.parse`), or None
            when only `trigger` starts captures.
        run_dir: The run folder; sessions go to `plugins/profile/` in it
            (torch's to `torch_traces/`, see `new_session`).
        marker: The step-marker name (`train`, `test`, `predict`).
        profiler: A backend module (`keras_timing.profiling.backends.get()`).
        sync: Called before a step marker closes: waits for the step.
        alive: Called with no argument: whether the owner's
            `fit`/`evaluate`/`predict` call still runs. False makes a
            running capture an orphan for `stop_orphans()`; None, when the
            owner cannot tell, never does.

    Example:

    >>> from keras_timing.profiling.schedule import parse
    >>> capture = Capture(parse((3, 4)), "logs/run/train", "train",
    ...                   backends.get(), alive=lambda: True)
    >>> capture.active, capture.sessions
    (False, [])
    """

    def __init__(self, schedule, run_dir, marker, profiler, sync=None,
                 alive=None):
        self.schedule, self.run_dir, self.marker = schedule, run_dir, marker
        self.profiler, self.sync, self.alive = profiler, sync, alive
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
        """At the begin hook of the call running global steps first..last.

        Returns whether this call's time holds profiler work: a start, a
        stop, a marker or tracing (the timer leaves such steps out).
        """
        busy = self._session is not None
        self._close_marker()
        if self._window is not None and first > self._window.last:
            self.stop()
        window = self._window_at(first, last)
        if window is None or window == self._skipped:
            return busy
        if self._session is None:
            self._start(window, early=last < window.first)
            if self._session is None:
                return busy
        if last >= window.first and first <= window.last:
            self._open = self.profiler.open_step(self.marker, first)
            self._marked.append(first)
        return True

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
        with _lock:
            if died:
                dropped, self._open = self._open, None
            else:
                self._close_marker()
            if self._session is None:
                return []
            session, window, marked = (self._session, self._window,
                                       self._marked)
            reason = self._reason if window == self._extra else None
            if dropped is not None:
                marked = marked[:-1]
            self._session = self._window = None
            self._marked = []
            _active.remove(self)
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

    def _start(self, window, early=False):
        """Starts the profiler for `window`. `early`: before its first
        marked step; another profiler may still be finishing there (for
        example `keras.callbacks.TensorBoard(profile_batch=(2, 4))` stops
        after step 4, where a (5, 7) window starts), so a busy profiler is
        tried again at the next step, and only the window's first marked
        step gives up with a warning."""
        stop_orphans()
        session = new_session(self.run_dir, self.profiler)
        try:
            self.profiler.start(session)
        except backends.ProfilerBusy as e:
            if early:
                return
            self._skipped = window
            warnings.warn(
                "keras_timing: another profiler is running (%s); the %s "
                "capture of steps %d-%d is skipped, training goes on."
                % (e, self.marker, window.first, window.last), stacklevel=4)
            return
        self._session, self._window, self._marked = session, window, []
        with _lock:
            _active.append(self)

    def _close_marker(self):
        if self._open is not None:
            handle, self._open = self._open, None
            if self.sync is not None:
                self.sync()
            self.profiler.close_step(handle)
