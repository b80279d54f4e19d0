"""Where the timer's cost in a fast fit goes: the dense fit with parts of
the timer switched off, one at a time (issue 20).

The article's dense model (256 steps an epoch), 4-epoch fits, interleaved
in a shuffled order each round; the median wall µs per step of each
configuration and its ratio to no callback:

- `none`: no callback; `bare`: an `async_safe` callback whose batch hooks
  do nothing (Keras's dispatch alone);
- `timer`: `FitPredictTimer()`;
- `no begin` / `no end`: the timer with its `Call.begin` / `Call.end` doing
  nothing (no begin logged: the writer has no rows to work out either);
- `writer asleep`: the writer thread never woken during the fit (every
  drain at the call's end);
- `no meters`: no step meter (JAX's fetch clock) read at begin hooks;
- `zero points`: `timing/epoch_fetch_ms` written as 0.0 at every step, as
  before it was written on an epoch's first step only;
- `writer niced`: the writer thread at nice 19 (Linux: a thread's own
  priority), so the training loop's threads win the cores.

Also the writer's drains over each `timer` fit: their wall and thread CPU
ms (`Launch.drain`, on whichever thread ran them); the training thread's
CPU µs per step of each configuration (`time.thread_time` around the fit:
the hooks Keras runs there, the step's dispatch, not Keras's pool or the
writer); and, in `timer, hooks timed` (the timer with each of its hooks
timed, a configuration of its own so that the timing never weighs on
`timer`), the median wall of its `on_train_begin` and `on_train_end` (ms
a fit) and of its batch hooks (µs, the end hook in Keras's pool).

    python benchmarks/fit_parts.py --backends jax --rounds 21
"""

import contextlib
import json
import os
import random
import statistics
import tempfile
import time
from unittest import mock

from harness import arguments
from harness import each_backend

CONFIGS = ("none", "bare", "timer", "no begin", "no end", "writer asleep",
           "no meters", "zero points", "writer niced", "timer, hooks timed")


def _configs(keras):
    import importlib

    from keras_timing import FitPredictTimer
    from keras_timing.events import flusher
    from keras_timing.profiling import fetch
    from keras_timing.profiling.backends import base
    from keras_timing.timer import call as call_lib
    from keras_timing.timer import launch as launch_lib

    class Bare(keras.callbacks.Callback):
        async_safe = True

        def on_train_batch_begin(self, batch, logs=None):
            pass

        def on_train_batch_end(self, batch, logs=None):
            pass

    def timer(**kwargs):
        return [FitPredictTimer(log_dir=tempfile.mkdtemp(), verbose=0,
                                **kwargs)]

    module = importlib.import_module(
        "keras_timing.profiling.backends." + keras.backend.backend())
    profiler = next(c for c in vars(module).values()
                    if isinstance(c, type) and issubclass(c, base.Profiler)
                    and c is not base.Profiler)
    none = contextlib.nullcontext
    loop = flusher.Flusher._loop

    def niced(self):
        os.setpriority(os.PRIO_PROCESS, 0, 19)  # this thread only
        return loop(self)

    return {
        "none": (list, none),
        "bare": (lambda: [Bare()], none),
        "timer": (timer, none),
        "no begin": (timer, lambda: mock.patch.object(
            call_lib.Call, "begin", lambda self, batch: None)),
        "no end": (timer, lambda: mock.patch.object(
            call_lib.Call, "end", lambda self, batch, logs: None)),
        "writer asleep": (
            lambda: timer(flush_secs=1e6),
            lambda: mock.patch.object(launch_lib, "DRAIN_AT", 10**12)),
        "no meters": (timer, lambda: mock.patch.object(
            profiler, "step_meters", lambda self, *a: ())),
        "zero points": (timer, lambda: mock.patch.object(
            fetch.FetchClock, "first_meter", lambda self: lambda: 0.0)),
        "writer niced": (timer, lambda: mock.patch.object(
            flusher.Flusher, "_loop", niced)),
    }


def one_backend(args):
    import keras

    from keras_timing import demo
    from keras_timing.timer import launch as launch_lib

    drains = []
    drain = launch_lib.Launch.drain

    def timed_drain(self, *a, **k):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return drain(self, *a, **k)
        finally:
            drains[-1][0] += time.perf_counter() - wall
            drains[-1][1] += time.thread_time() - cpu

    launch_lib.Launch.drain = timed_drain
    hooks, times = _timed_hooks()
    configs = _configs(keras)
    configs["timer, hooks timed"] = (configs["timer"][0], hooks)
    model, x, y = demo.dense_example(keras, samples=args.samples)
    steps = -(-args.samples // 32) * 4
    drains.append([0.0, 0.0])
    for name in CONFIGS:   # compiles, and each part's first call
        make, context = configs[name]
        with context():
            model.fit(x, y, batch_size=32, epochs=1, verbose=0,
                      callbacks=make())
    times.clear()  # the compiling first fits are not the hooks' times
    per_step = {name: [] for name in CONFIGS}
    thread_cpu = {name: [] for name in CONFIGS}
    timer_drains = []
    for _ in range(args.rounds):
        order = list(CONFIGS)
        random.shuffle(order)
        for name in order:
            make, context = configs[name]
            with context():
                callbacks = make()
                drains.append([0.0, 0.0])
                start, cpu = time.perf_counter(), time.thread_time()
                model.fit(x, y, batch_size=32, epochs=4, verbose=0,
                          callbacks=callbacks)
                per_step[name].append(
                    (time.perf_counter() - start) * 1e6 / steps)
                thread_cpu[name].append(
                    (time.thread_time() - cpu) * 1e6 / steps)
            if name == "timer":
                timer_drains.append(drains[-1])
    none = statistics.median(per_step["none"])
    print(json.dumps({
        "backend": keras.backend.backend(),
        "us": {k: statistics.median(v) for k, v in per_step.items()},
        "ratio": {k: statistics.median(v) / none
                  for k, v in per_step.items()},
        "drain_ms": [statistics.median(d[i] for d in timer_drains) * 1e3
                     for i in (0, 1)],
        "extra_ms": (statistics.median(per_step["timer"]) - none)
        * steps / 1e3,
        "thread_cpu_us": {k: statistics.median(v)
                          for k, v in thread_cpu.items()},
        "hooks": {k: statistics.median(v) for k, v in times.items()},
    }))


def _timed_hooks():
    """`(context, times)`: in the context the timer's hooks are timed, and
    `times` gets, per hook, the wall of each call (ms for a call's begin
    and end, µs for the batch hooks)."""
    from keras_timing import FitPredictTimer

    times, timed = {}, {}
    scale = {"on_train_begin": 1e3, "on_train_end": 1e3,
             "on_train_batch_begin": 1e6, "on_train_batch_end": 1e6}
    for name, unit in scale.items():
        def hook(self, *a, _real=getattr(FitPredictTimer, name),
                 _name=name, _unit=unit, **k):
            start = time.perf_counter()
            try:
                return _real(self, *a, **k)
            finally:
                times.setdefault(_name, []).append(
                    (time.perf_counter() - start) * _unit)
        timed[name] = hook
    return lambda: mock.patch.multiple(FitPredictTimer, **timed), times


def main():
    parser = arguments(__doc__, backends="jax", rounds=21)
    args = parser.parse_args()
    if args.one:
        return one_backend(args)
    for r in each_backend(__file__, args.backends):
        print("\n%s, 4-epoch dense fits, median of %d rounds:\n"
              % (r["backend"], args.rounds))
        print("| configuration | µs per step | over none | training "
              "thread CPU µs per step |")
        print("|---|---:|---:|---:|")
        for name in CONFIGS:
            print("| %s | %.1f | %.3fx | %.1f |" % (
                name, r["us"][name], r["ratio"][name],
                r["thread_cpu_us"][name]))
        print("\nThe timer's extra wall per fit: %.1f ms; its drains: %.1f "
              "ms wall, %.1f ms thread CPU (medians)."
              % (r["extra_ms"], *r["drain_ms"]))
        h = r["hooks"]
        print("Inside its fits: on_train_begin %.2f ms, on_train_end %.2f "
              "ms; batch begin %.2f µs, batch end %.2f µs (medians)."
              % (h["on_train_begin"], h["on_train_end"],
                 h["on_train_batch_begin"], h["on_train_batch_end"]))


if __name__ == "__main__":
    main()
