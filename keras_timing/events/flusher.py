"""The writer thread: drains finished points off the training thread."""

import atexit
import threading
import weakref

# Every live Flusher, stopped at interpreter exit by one handler: a handler
# per Flusher would stay registered (and hold its closure) for the life of
# the process, one more for every timer a notebook creates.
_LIVE = weakref.WeakSet()


@atexit.register
def _stop_all():
    for flusher in list(_LIVE):
        flusher.stop()


class Flusher:
    """Calls `fn(False)` every `interval` seconds on a daemon thread.

    At `stop` and at interpreter exit it calls `fn(True)`: the last call,
    which may also write what a run that died left half done.

    Args:
        fn: What to call; its exceptions are the caller's to handle.
        interval: Seconds between calls.

    Example:

    >>> calls = []
    >>> f = Flusher(calls.append, interval=60)
    >>> f.start(); f.wake(); f.stop()
    >>> calls[-1]
    True
    """

    def __init__(self, fn, interval):
        self._fn = fn
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = None
        self._lock = threading.Lock()
        _LIVE.add(self)

    def start(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                # `pause` set it to end the old thread; the new one waits.
                self._wake.clear()
                self._thread = threading.Thread(
                    target=self._loop, name="keras_timing-flush", daemon=True)
                self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stop.is_set():
                self._fn(False)

    def wake(self):
        """Asks for a call now, rather than at the end of the interval."""
        self._wake.set()

    def pause(self):
        """Stops the thread; `start` starts it again."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            if thread is not threading.current_thread():
                thread.join()

    def stop(self):
        """Stops the thread and makes one last call."""
        self.pause()
        self._fn(True)
