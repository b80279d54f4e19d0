"""What FitPredictTimer adds to a training step, against no callback.

The model of the article's Example 1 (dense 10 -> 64 -> 1, batch 32, 8192
samples, so 256 steps an epoch). Each round runs one `fit` per
configuration, in a shuffled order, on the same compiled model; the table
shows the median time per step over the rounds and its ratio to no callback,
and the same for the process's CPU time (all threads: the timer's writer
thread included), which moves less than wall time on a shared machine.

    KERAS_BACKEND=tensorflow python benchmarks/overhead.py --rounds 15
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import tempfile
import time

import numpy as np


def build(keras):
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    return model


def configs(keras, log_root):
    from keras_timing import FitPredictTimer

    class ListTimer(keras.callbacks.Callback):
        """The floor: a bare timer that only appends to a list."""

        async_safe = True

        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_begin(self, batch, logs=None):
            self.times.append(time.perf_counter())

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter())

    def timer(**kw):
        return lambda: [FitPredictTimer(
            log_dir=tempfile.mkdtemp(dir=log_root), verbose=0, **kw)]

    out = {
        "no callback": lambda: [],
        "bare list timer": lambda: [ListTimer()],
        "FitPredictTimer()": timer(),
        "FitPredictTimer(profile_steps=(50, 55))": timer(
            profile_steps=(50, 55)),
        "keras TensorBoard(update_freq='batch')": lambda: [
            keras.callbacks.TensorBoard(
                log_dir=tempfile.mkdtemp(dir=log_root), update_freq="batch")],
    }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per fit (one fit per configuration "
                             "and round)")
    parser.add_argument("--full", action="store_true",
                        help="fit with validation_split=0.2, then predict "
                             "over the data, each round")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="configurations to leave out (by name prefix)")
    args = parser.parse_args()

    import keras

    x = np.random.rand(args.samples, 10).astype("float32")
    y = np.random.rand(args.samples, 1).astype("float32")
    model = build(keras)
    log_root = tempfile.mkdtemp(prefix="keras_timing_bench_")
    try:
        todo = {k: v for k, v in configs(keras, log_root).items()
                if not any(k.startswith(s) for s in args.skip)}
        train = int(args.samples * (0.8 if args.full else 1.0))
        steps = int(np.ceil(train / 32)) * args.epochs
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # compile
        per_step = {name: [] for name in todo}
        outside = {name: [] for name in todo}
        cpu_per_step = {name: [] for name in todo}
        for _ in range(args.rounds):
            order = list(todo)
            random.shuffle(order)
            for name in order:
                callbacks = todo[name]()
                cpu = time.process_time()
                start = time.perf_counter()
                model.fit(x, y, batch_size=32, epochs=args.epochs,
                          verbose=0, callbacks=callbacks,
                          validation_split=0.2 if args.full else 0.0)
                if args.full:
                    model.predict(x, batch_size=32, verbose=0,
                                  callbacks=callbacks)
                per_step[name].append(
                    (time.perf_counter() - start) * 1e3 / steps)
                cpu_per_step[name].append(
                    (time.process_time() - cpu) * 1e3 / steps)
                if name.startswith("FitPredictTimer"):
                    outside[name].append(median_outside(callbacks[0]))
    finally:
        shutil.rmtree(log_root, ignore_errors=True)

    base = statistics.median(per_step["no callback"])
    print("backend %s, keras %s, %s, %s, %d cores; %d rounds x %d train "
          "steps%s" % (keras.backend.backend(), keras.__version__,
                       platform.machine(),
                       platform.processor() or platform.platform(),
                       os.cpu_count(), args.rounds, steps,
                       " (+ validation and predict; ms per train step)"
                       if args.full else ""))
    cpu_base = statistics.median(cpu_per_step["no callback"])
    keras_tb = [v for k, v in per_step.items() if k.startswith("keras")]
    tb = statistics.median(keras_tb[0]) if keras_tb else float("nan")
    print("| configuration | median ms/step | ratio to no callback | "
          "ratio to keras TensorBoard | median CPU ms/step (all threads) | "
          "CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, values in per_step.items():
        med = statistics.median(values)
        cpu_med = statistics.median(cpu_per_step[name])
        print("| %s | %.3f | %.3fx | %.3fx | %.3f | %.3fx |" % (
            name, med, med / base, med / tb, cpu_med, cpu_med / cpu_base))
    ratio = statistics.median(per_step["FitPredictTimer()"]) / base
    print("verdict: FitPredictTimer costs %.3fx a step without callback "
          "(target <= 1.02x): %s" % (ratio, "met" if ratio <= 1.02 else
                                     "missed"))
    plain = outside.get("FitPredictTimer()")
    prof = outside.get("FitPredictTimer(profile_steps=(50, 55))")
    if plain and prof:
        r = statistics.median(prof) / statistics.median(plain)
        print("verdict: outside the capture window (steps < 45 or > 60), "
              "the median batch_ms with profiling is %.3fx that without "
              "(target <= 1.01x): %s" % (r, "met" if r <= 1.01 else
                                         "missed"))


def median_outside(timer, lo=45, hi=60):
    """Median batch_ms of the steps outside [lo, hi], read back from disk."""
    from keras_timing import report

    times = report.read_run(os.path.join(timer.launch_dir, "train"))
    return statistics.median(t.batch_ms for t in times
                             if not t.is_first and not lo <= t.last_step <= hi)


if __name__ == "__main__":
    main()
