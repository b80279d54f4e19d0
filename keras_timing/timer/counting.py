"""The process's counting thread: FLOP counts off the user's calls.

One daemon thread at most, started when a count is queued and gone when the
queue is empty, so a notebook cell run again queues on it and threads never
pile up; counts run one at a time. At the interpreter's exit the launches'
counts get `EXIT_WAIT_S` to land (before the launches' last flush); after
that a count still running writes and warns nothing.

Example:

>>> done = []
>>> class Owner:
...     def wait(self, timeout):
...         return True
>>> queue(Owner(), lambda: done.append(1))
>>> _worker.join(); done
[1]
"""

import atexit
import collections
import threading
import time
import weakref

# Imported first, so that its exit handler (the launches' last flush) runs
# after ours: handlers run last in, first out.
from keras_timing.events import flusher  # noqa: F401

# A count still running at exit gets this long to land.
EXIT_WAIT_S = 5.0


def queue(owner, job):
    """Runs `job()` on the counting thread; `owner` (a `Throughput`, with
    `wait(timeout)`) is waited for at exit."""
    _OWNERS.add(owner)
    _worker.put(job)


def queued():
    """How many counts wait behind the one running."""
    return len(_worker._queue)


def land(timeout=None):
    """Lets every queued count land, hurried (no idle wait), within
    `timeout` s (`EXIT_WAIT_S` by default); whether they all did. The exit
    calls it; so do the tests, so that one test's count never runs inside
    the next."""
    end = time.monotonic() + (EXIT_WAIT_S if timeout is None else timeout)
    return all([owner.wait(max(0.0, end - time.monotonic()))
                for owner in list(_OWNERS)])


def exiting():
    """Whether the interpreter is exiting (nothing more to write)."""
    return _exiting


def keras_state(state=None):
    """Keras's per-thread settings a count needs (the distribution, the
    dtype policy), read on the call's thread; with `state`, set on this
    thread."""
    import keras

    if state is None:
        return (keras.distribution.distribution(),
                keras.config.dtype_policy())
    distribution, policy = state
    if distribution is not None:
        keras.distribution.set_distribution(distribution)
    keras.config.set_dtype_policy(policy)


class _Worker:

    def __init__(self):
        self._queue = collections.deque()
        self._lock = threading.Lock()
        self._thread = None

    def put(self, job):
        with self._lock:
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="keras_timing-flops", daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                job = self._queue.popleft()
            job()

    def join(self):
        """Waits until the queue is empty (for tests and examples)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()


_worker = _Worker()
_OWNERS = weakref.WeakSet()
_exiting = False


@atexit.register
def _at_exit():
    global _exiting
    land()
    _exiting = True
