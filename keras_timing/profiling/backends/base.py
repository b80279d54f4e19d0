"""The profiler skeleton every framework shares: start and stop.

`Profiler` owns what is the same for TensorFlow, JAX and torch: one capture
at a time, a new or empty session folder, `ProfilerBusy` when another
profiler runs (and no empty session folder left behind), a stop that leaves
no profiler running even when saving fails. A framework subclass supplies
only the framework calls: `_begin`, `_end`, `_busy`, `_first_start`,
`open_step`, `close_step` and, where steps run ahead of the device, `sync`.

Example:

>>> class Null(Profiler):
...     name = "null"
...     def _begin(self, logdir):
...         pass
...     def _end(self, logdir):
...         open(os.path.join(logdir, "host.null"), "w").close()
...     def _first_start(self):
...         return True
>>> import tempfile
>>> profiler = Null()
>>> session = os.path.join(tempfile.mkdtemp(), "s1")
>>> profiler.start(session)
>>> [os.path.basename(p) for p in profiler.stop()]
['host.null']
>>> profiler.stop()       # none of ours runs now
[]
"""

import os
import shutil
import threading

from keras_timing.profiling import cluster
from keras_timing.profiling.backends.accounting import Accounting


class ProfilerBusy(RuntimeError):
    """Another profiler (not ours) is running; this capture cannot start."""


class Profiler(Accounting):
    """One framework's profiler, one capture at a time, and its counts of
    FLOPs, memory and compiles (`Accounting`).

    Subclasses set `name` and `trace_suffix` and implement the framework
    calls below; the public methods are the same for every framework.
    """

    name = None
    trace_suffix = ".xplane.pb"
    # Keras reads the batch inside the timed step (after the begin hook):
    # TensorFlow inside its tf.function, JAX in `iterator_step`.
    reads_batch_in_step = True
    # Whether a capture must be stopped on the thread that started it.
    thread_bound = False

    def __init__(self):
        super().__init__()
        self._capture = None
        self._thread = None

    def __repr__(self):
        return "<%s profiler>" % self.name

    # ---- the shared skeleton ---------------------------------------------

    def can_stop_here(self):
        """Whether `stop()` may be called on this thread now."""
        return (not self.thread_bound or self._capture is None
                or self._thread == threading.get_ident())

    def start(self, session_dir):
        """Starts a capture whose files go into `session_dir`.

        Args:
            session_dir: A new or empty folder, usually
                `<run folder>/plugins/profile/<session name>`.

        Raises:
            ProfilerBusy: another profiler (or a capture of ours) is
                running; it is left as it is and no folder is left behind.
            FileExistsError: `session_dir` holds files.
        """
        capture = _Capture(session_dir)
        try:
            if self._capture is not None or self._busy():
                raise ProfilerBusy("another %s profiler is running"
                                   % self.name)
            self._begin(capture.scratch)
        except ProfilerBusy:
            capture.discard()
            raise
        except BaseException:
            # Not refused: started part way, perhaps. Leave none running.
            self._forget()
            capture.discard()
            raise
        self._capture, self._thread = capture, threading.get_ident()

    def stop(self):
        """Stops the capture and saves it; returns the paths written.

        Returns [] when no capture of ours runs. If saving fails the
        profiler is stopped all the same and the error is raised.

        Raises:
            RuntimeError: on a thread-bound profiler (torch), called from
                another thread than `start`; the capture goes on.
        """
        if not self.can_stop_here():
            raise RuntimeError("the %s profiler can only be stopped on the "
                               "thread that started it" % self.name)
        capture, self._capture = self._capture, None
        if capture is None:
            return []
        try:
            self._end(capture.scratch)
        except BaseException:
            self._forget()
            capture.discard()
            raise
        return capture.collect()

    def warmup(self):
        """Starts and stops the profiler once, with one marker, saving
        nothing: the first start in a process sets up the profiler's
        tracers and the first marker pays for its own set-up, so this takes
        both out of the first capture. Returns False, and does nothing, if
        another profiler is running."""
        if self._capture is not None or self._busy():
            return False
        return self._first_start()

    def sync(self, model, loop_frame=None):
        """Waits until the model's dispatched steps have finished (inside
        captures only). A no-op where the loop already waits for each
        step."""

    # ---- framework calls -------------------------------------------------

    def _busy(self):
        """Whether another profiler runs, where the framework cannot say so
        by refusing the start."""
        return False

    def _begin(self, logdir):
        """Starts the framework's profiler writing under `logdir`; raises
        `ProfilerBusy` if it refuses because another one runs."""
        raise NotImplementedError

    def _end(self, logdir):
        """Stops it and writes the trace under `logdir`."""
        raise NotImplementedError

    def _first_start(self):
        """The framework's warm-up start and stop; returns True."""
        raise NotImplementedError

    def _forget(self):
        """After a failed stop: frees the framework's profiler state."""

    def open_step(self, name, step_num):
        """Opens the marker of step `step_num`; returns the handle."""
        raise NotImplementedError

    def step_meters(self, model, step_function, loop):
        """The meters of the measured step figures (`analysis.figures.
        MEASURED`) this framework can run for one call of `model`'s
        `step_function` ("train", "test", "predict") step over `loop`
        (`keras_loop.LoopInfo`): `(name, meter)` pairs, where `meter()`
        returns the ms measured since it was last asked (over all the steps
        between), or None. Asked on the training thread at each begin hook
        and at the call's and epochs' ends: keep it to a clock read and a
        sum. None by default."""
        return ()

    def close_step(self, handle):
        handle.__exit__(None, None, None)

    # ---- a job of several processes (`profiling/cluster.py`) -------------

    def worker(self, environ):
        """This process's place in a job of several processes as the
        framework runs it (`cluster.WorkerInfo`), or None: a single
        process. `environ`: the environment variables to read. None by
        default (a framework with no job of its own)."""
        return None

    def sample_scope(self, model, processes):
        """The `cluster.Scope` of `model`'s steps where `processes` (> 1)
        processes run the job. By default per process: several processes
        without a distribution across them train apart."""
        return cluster.Scope(cluster.PROCESS)


class _Capture:
    """Where one capture writes: a scratch folder inside `session_dir`.

    TF and JAX write to `<logdir>/plugins/profile/<time to the second>/`, so
    two captures in one second would share (and overwrite) one folder. Each
    capture gets a fresh scratch `logdir`, and `collect` moves the files up
    into `session_dir`.
    """

    def __init__(self, session_dir):
        self.session_dir = os.path.abspath(os.fspath(session_dir))
        if os.path.isdir(self.session_dir) and os.listdir(self.session_dir):
            raise FileExistsError("session_dir must be a new or empty "
                                  "folder, %r is not" % self.session_dir)
        os.makedirs(self.session_dir, exist_ok=True)
        self.scratch = os.path.join(self.session_dir, ".capture")
        os.makedirs(self.scratch)

    def collect(self):
        """Moves the trace files into `session_dir`; returns their paths."""
        out = []
        for folder, _, names in sorted(os.walk(self.scratch)):
            for name in sorted(names):
                dest = os.path.join(self.session_dir, name)
                os.replace(os.path.join(folder, name), dest)
                out.append(dest)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return sorted(out)

    def discard(self):
        """The capture did not start or failed: removes the scratch folder
        and the (then empty) session folder, so no empty session is
        listed."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        try:
            if os.path.isfile(self.scratch):
                os.remove(self.scratch)
            os.rmdir(self.session_dir)
        except OSError:
            pass
