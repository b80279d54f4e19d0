"""Are the timer's figures honest on a GPU, and what do they cost there?

For the article's CNN (batch 32) on the JAX and torch backends, in one
process per backend, interleaved rounds of one `fit` epoch each:

- no callback: the wall time per step, the ground truth of throughput;
- `FitPredictTimer()`: its median `batch_ms`, and how much of the wall time
  its `batch_ms + input_wait_ms` account for (should be ~100%);
- a naive timer, `async_safe` like ours but timing each batch from its begin
  hook to its end hook: what a timer without device-paced clock reports;
- a synchronous timer (not `async_safe`): Keras then syncs every step on
  the training thread, honest but slower;
- torch only: the profiler's GPU kernel time per step (torch.profiler).

- the profiler's GPU kernel time per step: torch.profiler (torch), and for
  JAX a capture by the timer itself, read from the `.trace.json.gz` JAX
  writes (no xprof needed).

Needs a GPU with JAX and/or torch; Keras and its few missing dependencies
(namex, optree) can come as wheel files placed in `benchmarks/wheels/` (or
`--wheels DIR`): they are pip-installed into a temporary folder first, no
network needed. Prints a Markdown table and writes JSON.

    python benchmarks/gpu_check.py --out results
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def worker(args):
    import numpy as np
    import keras

    from keras_timing import FitPredictTimer
    from keras_timing import demo

    class NaiveTimer(keras.callbacks.Callback):
        async_safe = True

        def __init__(self):
            super().__init__()
            self.begin, self.end = {}, {}

        def on_train_batch_begin(self, batch, logs=None):
            self.begin[batch] = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.end[batch] = time.perf_counter()

        def ms(self):
            return [(self.end[b] - self.begin[b]) * 1e3 for b in self.end]

    class SyncTimer(NaiveTimer):
        async_safe = False

    model, x, y = demo.cnn_example(keras, samples=32 * args.steps)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # compile
    logs = tempfile.mkdtemp(prefix="gpu_check_")
    rows = {k: [] for k in ("none", "timer", "naive", "sync")}
    extra = {"timer_batch_ms": [], "timer_coverage": [], "naive_ms": [],
             "naive_coverage": [], "sync_ms": []}
    for _ in range(args.rounds):
        for name in rows:
            cb = {"none": None, "timer": FitPredictTimer(log_dir=logs,
                                                        verbose=0),
                  "naive": NaiveTimer(), "sync": SyncTimer()}[name]
            start = time.perf_counter()
            model.fit(x, y, batch_size=32, epochs=1, verbose=0,
                      callbacks=[cb] if cb else [])
            wall = (time.perf_counter() - start) * 1e3
            rows[name].append(wall / args.steps)
            if name == "timer":
                s = cb.summaries()["train"]
                extra["timer_batch_ms"].append(s["p50_ms"])
                # Every step's interval, first and recompiled ones too,
                # and the epochs' starts: what the steps hold of the fit.
                covered = (s["call_ms"] - s["outside_steps_ms"]
                           + s["epoch_start_ms"])
                extra["timer_coverage"].append(covered / wall)
                for key in ("tflops_per_sec", "mfu", "peak_memory_mb"):
                    if s[key] == s[key]:
                        extra.setdefault(key, []).append(s[key])
            elif name in ("naive", "sync"):
                ms = cb.ms()
                extra["%s_ms" % name].append(statistics.median(ms))
                if name == "naive":
                    extra["naive_coverage"].append(sum(ms) / wall)
    result = {k: statistics.median(v) for k, v in rows.items()}
    result.update({k: statistics.median(v) for k, v in extra.items() if v})
    result["backend"] = keras.backend.backend()
    result["device"] = device_name()
    if result["device"] != "cpu":
        try:
            result["profiler_gpu_ms"] = (
                torch_kernel_ms(model, x, y) if result["backend"] == "torch"
                else jax_kernel_ms(model, x, y, logs))
        except Exception as e:  # a missing figure, not a failed check
            result["profiler_error"] = repr(e)
    print("RESULT " + json.dumps(result))


def device_name():
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    try:
        import jax

        return str(jax.devices()[0].device_kind)
    except ImportError:
        return "cpu"


def torch_kernel_ms(model, x, y, steps=50):
    """GPU kernel time per step, summed from torch.profiler's events."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    n = 32 * steps
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        model.fit(x[:n], y[:n], batch_size=32, epochs=1, verbose=0)
        torch.cuda.synchronize()
    total_us = sum(e.self_device_time_total for e in prof.key_averages())
    return total_us / 1e3 / steps


def jax_kernel_ms(model, x, y, logs, first=102, last=151):
    """GPU kernel time per step in a capture by the timer itself.

    Reads the `.trace.json.gz` JAX writes beside the `.xplane.pb` (xprof
    is not needed): the sum of the kernel events on the GPU's stream lines,
    over the steps the capture ran (its window, plus the one early step).
    """
    import glob
    import gzip

    from keras_timing import FitPredictTimer

    timer = FitPredictTimer(log_dir=logs, verbose=0,
                            profile_steps=(first, last))
    model.fit(x[:32 * (last + 20)], y[:32 * (last + 20)], batch_size=32,
              epochs=1, verbose=0, callbacks=[timer])
    (session,) = timer.profile_sessions
    (path,) = glob.glob(os.path.join(session, "*.trace.json.gz"))
    with gzip.open(path) as f:
        events = json.load(f)["traceEvents"]
    procs, threads = {}, {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "process_name":
            procs[e["pid"]] = e["args"]["name"]
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
    lines = sorted({"%s | %s" % (procs[p], name)
                    for (p, _), name in threads.items()
                    if "GPU" in procs.get(p, "")})
    gpu_us = sum(
        e.get("dur", 0) for e in events
        if e.get("ph") == "X" and "GPU" in procs.get(e.get("pid"), "")
        and threads.get((e["pid"], e.get("tid")), "").startswith("Stream"))
    if not gpu_us:
        raise ValueError("no kernels on GPU stream lines; lines: %s" % lines)
    return gpu_us / 1e3 / (last - first + 2)


def install_wheels(folder):
    target = tempfile.mkdtemp(prefix="gpu_check_site_")
    wheels = [os.path.join(folder, f) for f in os.listdir(folder)
              if f.endswith(".whl")]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "--no-index", "--no-deps", "--no-compile", "--target",
                    target] + wheels, check=True)
    return target


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", nargs="+", default=["jax", "torch"])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--wheels", default=os.path.join(HERE, "wheels"),
                   help="folder of wheel files to install, if it exists "
                        "(default: benchmarks/wheels)")
    p.add_argument("--out", help="folder for results.json")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    env = dict(os.environ)
    has_wheels = args.wheels and os.path.isdir(args.wheels)
    paths = [ROOT] + ([install_wheels(args.wheels)] if has_wheels else [])
    env["PYTHONPATH"] = os.pathsep.join(
        paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    results = []
    for backend in args.backends:
        env["KERAS_BACKEND"] = backend
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", "--steps",
             str(args.steps), "--rounds", str(args.rounds)],
            env=env, capture_output=True, text=True)
        line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
        if proc.returncode or not line:
            print("%s failed:\n%s" % (backend, proc.stderr[-3000:]))
            continue
        results.append(json.loads(line[0][7:]))
    print(table(results, args))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(results, f, indent=2)


def table(results, args):
    out = ["%d rounds x %d steps, article CNN, batch 32, %s" % (
        args.rounds, args.steps, time.strftime("%Y-%m-%d")),
        "| backend | device | wall ms/step, no callback | timer ms/step "
        "(ratio) | timer p50 batch_ms | timer covers wall | naive p50 ms "
        "| naive covers wall | sync timer ms/step (ratio) | profiler GPU "
        "ms/step | TFLOP/s (MFU) | peak memory MB |", "|---" * 12 + "|"]
    for r in results:
        out.append("| %s | %s | %.3f | %.3f (%.3fx) | %.3f | %.0f%% | %.3f | "
                   "%.0f%% | %.3f (%.3fx) | %s | %s | %s |" % (
                       r["backend"], r["device"], r["none"], r["timer"],
                       r["timer"] / r["none"], r["timer_batch_ms"],
                       100 * r["timer_coverage"], r["naive_ms"],
                       100 * r["naive_coverage"], r["sync"],
                       r["sync"] / r["none"],
                       "%.3f" % r["profiler_gpu_ms"]
                       if "profiler_gpu_ms" in r else "n/a",
                       "%.3g (%.1f%%)" % (r["tflops_per_sec"],
                                          100 * r.get("mfu", float("nan")))
                       if "tflops_per_sec" in r else "n/a",
                       "%.0f" % r["peak_memory_mb"]
                       if "peak_memory_mb" in r else "n/a"))
    return "\n".join(out)


if __name__ == "__main__":
    main()
