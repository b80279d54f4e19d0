"""The tables `cost.py` prints (issue 20), with their targets."""

import os
import platform
import statistics

CPU_TARGET_US = 4.0
P50_TARGET_US, P99_TARGET_US = 1.0, 20.0
END_TARGET_MS = 5.0
FIT_TARGET = {"jax": 1.03, "tensorflow": 1.03, "torch": 1.02}
STEP_HOOKS = ("on_train_batch_begin", "on_train_batch_end")


def verdict(ok):
    return "met" if ok else "**missed**"


def report(results, args, load):
    """Prints the tables of `results` (one dict per backend)."""
    print("%s, %s, %d cores; keras %s; load average before/after: %s / %s"
          % (platform.machine(), platform.processor() or platform.platform(),
             os.cpu_count(), results[0]["keras"] if results else "?",
             *load))
    for key, title in (
            ("cpu_us", "\n1. Hooks and writer, %d back-to-back steps, process "
             "CPU (all threads) per step, %d repeats:\n"
             % (args.steps, args.repeats)),
            ("cpu_meters_us", "\n1b. The same with a step meter read at "
             "every begin hook (JAX's fetch clock, as "
             "`harness.FetchMeters`):\n"),
            ("cpu_lag_us", "\n1c. JAX's path: the meter, and each end hook "
             "run after the next two steps began (Keras's pool on JAX and "
             "torch; `harness.drive(lag=2)`):\n")):
        if not any(key in r for r in results):
            continue
        print(title)
        print("| backend | CPU µs per step (each repeat) | median | target |")
        print("|---|---|---:|---|")
        for r in results:
            cpu = r[key]
            print("| %s | %s | %.2f | <= %.0f: %s |" % (
                r["backend"], " / ".join("%.2f" % v for v in cpu),
                statistics.median(cpu), CPU_TARGET_US,
                verdict(statistics.median(cpu) <= CPU_TARGET_US)))
    if any("hooks" in r for r in results):
        print("\n2. Each hook on the driving (training) thread, µs, %d "
              "steps:\n" % args.steps)
        print("| backend | hook | calls | p50 | p99 | target p50 <= 1, "
              "p99 <= 20 |")
        print("|---|---|---:|---:|---:|---|")
        for r in results:
            for name, (p50, p99, n) in r["hooks"].items():
                print("| %s | %s | %d | %.2f | %.2f | %s |" % (
                    r["backend"], name, n, p50, p99,
                    verdict(p50 <= P50_TARGET_US and p99 <= P99_TARGET_US)
                    if name in STEP_HOOKS else "(per epoch)"))
            print("| %s | (the clock itself, an empty call) | | %.2f | | |"
                  % (r["backend"], r["clock_us"]))
    if any("end_ms" in r for r in results):
        print("\n3. The end of a 1,000-step call (`on_train_end`), median "
              "of %d calls:\n" % args.end_calls)
        print("| backend | wall ms | CPU ms (all threads) | target |")
        print("|---|---:|---:|---|")
        for r in results:
            wall, cpu = r["end_ms"]
            print("| %s | %.2f | %.2f | <= %.0f ms: %s |" % (
                r["backend"], wall, cpu, END_TARGET_MS,
                verdict(wall <= END_TARGET_MS)))
    if any("fit_end_ms" in r for r in results):
        print("\n3b. `on_train_end` of the dense fits below (wall ms, "
              "median over rounds; 4 epochs: a 1,024-step call):\n")
        print("| backend | epochs | steps | wall ms | target |")
        print("|---|---:|---:|---:|---|")
        for r in results:
            for epochs, ms in sorted(r["fit_end_ms"].items(), reverse=True):
                steps = int(epochs) * -(-args.samples // 32)
                print("| %s | %s | %d | %.2f | %s |" % (
                    r["backend"], epochs, steps, ms,
                    "<= %.0f ms: %s" % (END_TARGET_MS, verdict(
                        ms <= END_TARGET_MS)) if steps >= 1000 else ""))
    if any("fit_ms" in r for r in results):
        print("\n4. Dense model fit, %d steps an epoch, batch 32, median of "
              "%d interleaved rounds:\n" % (-(-args.samples // 32),
                                            args.rounds))
        print("| backend | epochs | no callback ms/step | FitPredictTimer() "
              "ms/step | ratio | target |")
        print("|---|---:|---:|---:|---:|---|")
        for r in results:
            target = FIT_TARGET.get(r["backend"], 1.03)
            for epochs, fit in sorted(r["fit_ms"].items(), reverse=True):
                base, timed = fit["no callback"], fit["FitPredictTimer()"]
                print("| %s | %s | %.4f | %.4f | %.3fx | <= %.2fx: %s |" % (
                    r["backend"], epochs, base, timed, timed / base, target,
                    verdict(timed / base <= target)))
