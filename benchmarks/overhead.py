"""What FitPredictTimer costs a training step, on each backend.

Two measurements, each backend in a process of its own:

1. Hooks + writer: `on_train_batch_begin` / `on_train_batch_end` called
   back to back for 20,000 steps (a real model attached, batch size known),
   from `on_train_begin` to `on_train_end` (the last drain and write
   included). Process CPU time, so the writer thread counts too, per step.
2. The article's dense model (10 -> 64 -> 1, batch 32), a 4-epoch fit per
   configuration and round, configurations interleaved in a shuffled order,
   9 rounds; the median wall time per step and its ratio to no callback.
   Configurations: no callback, `FitPredictTimer()`, and on TensorFlow
   Keras's own `TensorBoard(update_freq="batch")`.

    python benchmarks/overhead.py                  # all three backends
    python benchmarks/overhead.py --backends jax --rounds 3
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HOOK_TARGET_US = 8.0
FIT_TARGET = {"jax": 1.05, "tensorflow": 1.03, "torch": 1.05}


def hooks_us_per_step(keras, steps, per_epoch=1000):
    """CPU µs per step of the timer's hooks and its writer, both threads."""
    from keras_timing import FitPredictTimer
    from keras_timing import demo

    model, _, _ = demo.dense_example(keras, samples=32)
    log_dir = tempfile.mkdtemp(prefix="keras_timing_hooks_")
    try:
        timer = FitPredictTimer(log_dir=log_dir, verbose=0, batch_size=32)
        timer.set_model(model)
        timer.set_params({"epochs": steps // per_epoch, "steps": per_epoch,
                          "verbose": 0})
        logs = {"loss": 0.5}
        cpu = time.process_time()
        timer.on_train_begin()
        for epoch in range(steps // per_epoch):
            timer.on_epoch_begin(epoch)
            for batch in range(per_epoch):
                timer.on_train_batch_begin(batch)
                timer.on_train_batch_end(batch, logs)
            timer.on_epoch_end(epoch, logs)
        timer.on_train_end(logs)
        return (time.process_time() - cpu) / steps * 1e6
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


def fit_ms_per_step(keras, rounds, epochs, samples):
    """Median wall ms per train step of each configuration."""
    from keras_timing import FitPredictTimer
    from keras_timing import demo

    model, x, y = demo.dense_example(keras, samples=samples)
    log_root = tempfile.mkdtemp(prefix="keras_timing_fit_")
    configs = {
        "no callback": lambda: [],
        "FitPredictTimer()": lambda: [FitPredictTimer(
            log_dir=tempfile.mkdtemp(dir=log_root), verbose=0)],
    }
    if keras.backend.backend() == "tensorflow":
        configs["keras TensorBoard(update_freq='batch')"] = lambda: [
            keras.callbacks.TensorBoard(
                log_dir=tempfile.mkdtemp(dir=log_root), update_freq="batch")]
    steps = -(-samples // 32) * epochs
    per_step = {name: [] for name in configs}
    try:
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # compile
        for _ in range(rounds):
            order = list(configs)
            random.shuffle(order)
            for name in order:
                callbacks = configs[name]()
                start = time.perf_counter()
                model.fit(x, y, batch_size=32, epochs=epochs, verbose=0,
                          callbacks=callbacks)
                per_step[name].append(
                    (time.perf_counter() - start) * 1e3 / steps)
    finally:
        shutil.rmtree(log_root, ignore_errors=True)
    return {name: statistics.median(v) for name, v in per_step.items()}


def one_backend(args):
    """Runs in a child process with KERAS_BACKEND set; prints JSON."""
    import keras

    hooks = [hooks_us_per_step(keras, args.steps) for _ in range(3)]
    fit = fit_ms_per_step(keras, args.rounds, args.epochs, args.samples)
    print(json.dumps({"backend": keras.backend.backend(),
                      "keras": keras.__version__,
                      "hooks_us": statistics.median(hooks),
                      "fit_ms": fit}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--steps", type=int, default=20000,
                        help="back-to-back hook steps")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--samples", type=int, default=8192,
                        help="samples of the fit (256 steps an epoch)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one_backend(args)

    results = []
    for backend in args.backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend,
                   TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run(
            [sys.executable, __file__, "--one", "--steps", str(args.steps),
             "--rounds", str(args.rounds), "--epochs", str(args.epochs),
             "--samples", str(args.samples)],
            env=env, capture_output=True, text=True)
        if out.returncode:
            print("%s: failed\n%s" % (backend, out.stderr[-2000:]))
            continue
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))

    print("%s, %s, %d cores; keras %s" % (
        platform.machine(), platform.processor() or platform.platform(),
        os.cpu_count(), results[0]["keras"] if results else "?"))
    print("\nHooks + writer, %d back-to-back steps, process CPU time (both "
          "threads), median of 3:\n" % args.steps)
    print("| backend | CPU µs per step | target |")
    print("|---|---:|---:|")
    for r in results:
        print("| %s | %.1f | <= %.0f |" % (r["backend"], r["hooks_us"],
                                          HOOK_TARGET_US))
    print("\nDense model fit, %d epochs of %d steps, batch 32, median of %d "
          "interleaved rounds:\n" % (args.epochs, -(-args.samples // 32),
                                     args.rounds))
    print("| backend | configuration | ms per step | ratio to no callback |")
    print("|---|---|---:|---:|")
    verdicts = []
    for r in results:
        base = r["fit_ms"]["no callback"]
        for name, ms in r["fit_ms"].items():
            print("| %s | %s | %.3f | %.3fx |" % (r["backend"], name, ms,
                                                  ms / base))
        ratio = r["fit_ms"]["FitPredictTimer()"] / base
        target = FIT_TARGET.get(r["backend"], 1.05)
        verdicts.append(
            "%s: hooks %.1f µs/step (%s), fit %.3fx (target <= %.2fx, %s)"
            % (r["backend"], r["hooks_us"],
               "met" if r["hooks_us"] <= HOOK_TARGET_US else "missed",
               ratio, target, "met" if ratio <= target else "missed"))
    print()
    for line in verdicts:
        print("verdict: " + line)


if __name__ == "__main__":
    main()
