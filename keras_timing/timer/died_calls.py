"""Calls that died: Keras calls no end hook when its loop raises, so the
writer thread (or `flush()`) tells a died call from its loop's frame
(`keras_loop.still_running`) and writes the steps it completed as its last.

On JAX and torch Keras runs `async_safe` batch-end hooks in its thread
pool, late: a died fit's last steps ended, but their end hooks may still be
queued when its frame is done (a busy CI run lost a died fit's last two
steps so). Those hooks run first: `wait_hooks` waits for Keras's own
futures of them, read from the done frame's `callbacks` (its locals are
its own once it is done, so another thread reads them safely).

Example:

>>> import sys
>>> wait_hooks([sys._getframe()])  # a running frame: nothing to wait for
0
"""

import concurrent.futures

from keras_timing.timer import keras_loop

# A hook that never returns is waited for this long at most.
HOOKS_WAIT_S = 60.0


def all_done(frames):
    """Whether `frames` (Keras loop frames) are there and every one is
    done."""
    return bool(frames) and not any(map(keras_loop.still_running, frames))


def wait_hooks(frames, timeout=None):
    """Waits (at most `timeout` s, `HOOKS_WAIT_S` by default) for the
    batch-end hooks Keras's pool still holds for the done `frames`; how
    many there were. Never raises for a frame it cannot read."""
    futures = []
    for frame in frames:
        if keras_loop.still_running(frame):
            continue
        try:
            futures += frame.f_locals["callbacks"]._futures
        except Exception:  # not a Keras loop's frame, or Keras changed
            pass
    if futures:
        concurrent.futures.wait(
            futures, HOOKS_WAIT_S if timeout is None else timeout)
    return len(futures)
