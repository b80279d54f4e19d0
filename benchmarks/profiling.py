"""Costs of profiling: the schedule lookup every batch pays, and a capture.

    KERAS_BACKEND=jax python benchmarks/profiling.py

Prints, for the running Keras backend:
- `window()` per call outside any window (it runs in the begin hook of
  every batch): a fixed window, 999 windows, a `ProfileSchedule`;
- one `warm_up`, and two captures of one marked step each, back to back
  (start, step, stop, save): the time to the second's saved files.
Figures are the best of 5 repeats; nothing is asserted.
"""

import os
import shutil
import tempfile
import time
import timeit

from keras_timing.profiling.schedule import ProfileSchedule
from keras_timing.profiling.schedule import parse


def lookups():
    cases = [
        ("(50, 55), step 1000", parse((50, 55)), 1000),
        ("(50, 55), step 10", parse((50, 55)), 10),
        ("999 windows, step 5005",
         parse([(i * 10, i * 10 + 2) for i in range(1, 1000)]), 5005),
        ("ProfileSchedule(50, 2, 3), step 1010",
         ProfileSchedule(wait=50, warmup=2, active=3), 1010),
    ]
    n = 20000
    for name, obj, step in cases:
        assert obj.window(step, step) is None
        best = min(timeit.repeat(lambda: obj.window(step, step), number=n,
                                 repeat=5)) / n
        print("window() outside windows, %-38s %6.3f us" % (name,
                                                            best * 1e6))


def captures():
    from keras_timing.profiling import backends

    profiler = backends.get()
    t = time.perf_counter()
    backends.warm_up(profiler)
    print("%s warm_up: %.1f ms" % (profiler.name,
                                   (time.perf_counter() - t) * 1e3))
    root = tempfile.mkdtemp(prefix="keras_timing_bench_")
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for step in (1, 2):
            profiler.start(backends.new_session_dir(
                os.path.join(root, "train")))
            profiler.close_step(profiler.open_step("train", step))
            paths = profiler.stop()
        best = min(best, time.perf_counter() - t)
        assert paths
    shutil.rmtree(root, ignore_errors=True)
    print("%s two captures back to back: %.1f ms"
          % (profiler.name, best * 1e3))


if __name__ == "__main__":
    lookups()
    captures()
