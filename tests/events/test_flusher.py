"""The writer thread's start, stop and exit handling."""

import atexit
import gc
import threading
import weakref

from keras_timing.events import flusher as flusher_module
from keras_timing.events.flusher import Flusher


def test_flushers_leave_no_exit_handler_behind():
    before = atexit._ncallbacks()
    mine = []
    for _ in range(50):
        f = Flusher(lambda final: None, 60)
        f.start()
        f.stop()
        mine.append(weakref.ref(f))
    del f
    gc.collect()
    assert atexit._ncallbacks() == before
    # Each is released, so out of the live set (launches of earlier tests
    # in this process may keep flushers of their own live).
    assert all(r() is None for r in mine)


def test_exit_stops_every_live_flusher_with_a_last_call():
    calls = []
    kept = [Flusher(lambda final, i=i: calls.append((i, final)), 60)
            for i in range(3)]
    kept[0].start()
    flusher_module._stop_all()
    assert sorted(calls) == [(0, True), (1, True), (2, True)]
    assert not any(t.name == "keras_timing-flush" and t.is_alive()
                   for t in threading.enumerate())


def test_wake_calls_now_and_pause_ends_the_thread():
    called = threading.Event()
    f = Flusher(lambda final: called.set(), 3600)
    f.start()
    f.wake()
    assert called.wait(30)
    f.pause()
    assert f._thread is None
    f.stop()
