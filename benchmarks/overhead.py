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

import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time

from harness import arguments
from harness import cpu_us_per_step
from harness import each_backend

HOOK_TARGET_US = 8.0
FIT_TARGET = {"jax": 1.05, "tensorflow": 1.03, "torch": 1.05}


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

    hooks = [cpu_us_per_step(keras, args.steps) for _ in range(3)]
    fit = fit_ms_per_step(keras, args.rounds, args.epochs, args.samples)
    print(json.dumps({"backend": keras.backend.backend(),
                      "keras": keras.__version__,
                      "hooks_us": statistics.median(hooks),
                      "fit_ms": fit}))


def main():
    parser = arguments(__doc__, backends="tensorflow,jax,torch", rounds=9)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    if args.one:
        return one_backend(args)

    results = each_backend(__file__, args.backends)
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
