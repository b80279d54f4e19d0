"""Per-step cost of FitPredictTimer near the limit (issue 20), per backend.

Each backend runs in a process of its own, and four things are measured:

1. CPU per step, all threads (1b: with step meters shaped like JAX's
   fetch clock, `harness.FetchMeters`; 1c: those meters, and each end hook
   called after the next two steps' begin hooks, the order Keras's pool
   runs them in on JAX and torch): a synthetic driver calls the
   timer's hooks back to back (`on_train_begin`, per epoch of 1,000 steps
   `on_epoch_begin`, per step `on_train_batch_begin` /
   `on_train_batch_end`, `on_epoch_end`, then `on_train_end`), with a real
   model attached and its batch size known. `time.process_time()` over the
   whole process (the training thread, the writer thread and any thread a
   framework started) divided by the steps, the call's end included.
2. Each hook on the training thread: the same driver, every hook call timed
   with `perf_counter_ns`; p50 and p99 per hook over the per-step hooks (the
   clock's own cost, measured on an empty function, is given beside them).
3. The end of a call: `on_train_end` of a 1,000-step call (the summary,
   the last drain and writes; `count_flops` at its default), wall and CPU
   milliseconds, median over calls: of the synthetic driver's call (its
   1,000 steps take ~3 ms, so the writer thread has written none of them
   before the end: the worst case), and of the real fits of part 4.
4. The article's dense model (10 -> 64 -> 1, batch 32, 256 steps an epoch):
   4-epoch and 1-epoch fits with no callback and with `FitPredictTimer()`,
   interleaved in a shuffled order each round, the median wall ms per step
   of each configuration and its ratio to no callback.

    python benchmarks/cost.py                       # all three backends
    python benchmarks/cost.py --backends jax --rounds 5 --repeats 1
"""

import json
import os
import random
import shutil
import statistics
import tempfile
import time

import numpy as np

from cost_tables import STEP_HOOKS
from cost_tables import report
from harness import arguments
from harness import FetchMeters
from harness import cpu_us_per_step
from harness import drive
from harness import each_backend
from harness import hook_timer

EPOCH_HOOKS = ("on_epoch_begin", "on_epoch_end")


def hook_us(keras, steps, per_epoch=1000):
    """{hook: (p50 µs, p99 µs, calls)} on the driving thread, and the
    clock's own p50 µs."""
    log_dir = tempfile.mkdtemp(prefix="keras_timing_cost_")
    durations = {name: [] for name in STEP_HOOKS + EPOCH_HOOKS}
    try:
        timer = hook_timer(keras, log_dir, steps, per_epoch)
        drive(timer, steps, per_epoch,
              lambda name, ns: name in durations
              and durations[name].append(ns))
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    empty = []
    clock = time.perf_counter_ns
    noop = lambda *a: None  # noqa: E731
    for _ in range(steps):
        t0 = clock()
        noop(1)
        empty.append(clock() - t0)
    out = {name: (float(np.percentile(v, 50)) / 1e3,
                  float(np.percentile(v, 99)) / 1e3, len(v))
           for name, v in durations.items()}
    return out, float(np.percentile(empty, 50)) / 1e3


def end_of_call_ms(keras, calls, steps=1000):
    """Median (wall ms, CPU ms) of `on_train_end` after a `steps` call; a
    new timer and launch per call, as a user's fit has."""
    walls, cpus = [], []
    for _ in range(calls):
        log_dir = tempfile.mkdtemp(prefix="keras_timing_end_")
        try:
            wall, cpu = drive(hook_timer(keras, log_dir, steps, steps), steps,
                              steps)
        finally:
            shutil.rmtree(log_dir, ignore_errors=True)
        walls.append(wall * 1e3)
        cpus.append(cpu * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def fit_ms_per_step(keras, rounds, samples, epochs_list=(4, 1)):
    """{epochs: {configuration: median wall ms per step}}."""
    from keras_timing import FitPredictTimer
    from keras_timing import demo

    model, x, y = demo.dense_example(keras, samples=samples)
    log_root = tempfile.mkdtemp(prefix="keras_timing_fit_")
    ends = {}

    def timer(epochs):
        timer = FitPredictTimer(log_dir=tempfile.mkdtemp(dir=log_root),
                                verbose=0)
        hook = timer.on_train_end

        def on_train_end(logs=None):
            start = time.perf_counter()
            hook(logs)
            ends.setdefault(epochs, []).append(
                (time.perf_counter() - start) * 1e3)

        timer.on_train_end = on_train_end
        return [timer]

    configs = {"no callback": lambda e: [], "FitPredictTimer()": timer}
    per_step = {e: {name: [] for name in configs} for e in epochs_list}
    try:
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # compile
        model.fit(x, y, batch_size=32, epochs=1, verbose=0,
                  callbacks=timer(0))
        for _ in range(rounds):
            order = [(e, name) for e in epochs_list for name in configs]
            random.shuffle(order)
            for epochs, name in order:
                callbacks = configs[name](epochs)
                start = time.perf_counter()
                model.fit(x, y, batch_size=32, epochs=epochs, verbose=0,
                          callbacks=callbacks)
                steps = -(-samples // 32) * epochs
                per_step[epochs][name].append(
                    (time.perf_counter() - start) * 1e3 / steps)
    finally:
        shutil.rmtree(log_root, ignore_errors=True)
    return ({e: {name: statistics.median(v) for name, v in d.items()}
             for e, d in per_step.items()},
            {e: statistics.median(v) for e, v in ends.items() if e})


def one_backend(args):
    """Runs in a child process with KERAS_BACKEND set; prints JSON."""
    import keras

    out = {"backend": keras.backend.backend(), "keras": keras.__version__}
    if "cpu" in args.parts:
        out["cpu_us"] = [cpu_us_per_step(keras, args.steps)
                         for _ in range(args.repeats)]
    if "meters" in args.parts:
        out["cpu_meters_us"] = [cpu_us_per_step(keras, args.steps,
                                                meters=FetchMeters())
                                for _ in range(args.repeats)]
    if "lag" in args.parts:
        out["cpu_lag_us"] = [cpu_us_per_step(keras, args.steps,
                                             meters=FetchMeters(), lag=2)
                             for _ in range(args.repeats)]
    if "hooks" in args.parts:
        out["hooks"], out["clock_us"] = hook_us(keras, args.steps)
    if "end" in args.parts:
        out["end_ms"] = end_of_call_ms(keras, args.end_calls)
    if "fit" in args.parts:
        out["fit_ms"], out["fit_end_ms"] = fit_ms_per_step(
            keras, args.rounds, args.samples)
    print(json.dumps(out))


def main():
    parser = arguments(__doc__, rounds=11)
    parser.add_argument("--parts", default="cpu,meters,lag,hooks,end,fit",
                        help="any of cpu,meters,lag,hooks,end,fit")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--end-calls", type=int, default=7)
    args = parser.parse_args()
    if args.one:
        return one_backend(args)

    load = [" ".join("%.1f" % v for v in os.getloadavg())]
    results = each_backend(__file__, args.backends)
    load.append(" ".join("%.1f" % v for v in os.getloadavg()))
    report(results, args, load)


if __name__ == "__main__":
    main()
