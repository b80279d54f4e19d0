"""A million steps: memory, event-file size and report time stay bounded.

A real fit of 1,000,000 steps takes hours here, so this drives the timer's
Keras hooks directly (a synthetic driver: `on_train_begin`, then per step
`on_train_batch_begin` / `on_train_batch_end`, 1,000 steps an epoch), with a
real model attached for the batch-size probe, and every tag on. It reports
the process's peak RSS growth, the event files' size, the points written and
the time `keras-timing report` takes on the folder (a new process, as a user
runs it: start-up, imports, reading with the C CRC32C, the report).

    python benchmarks/scale.py --steps 1000000
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def rss_mb():
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--per-epoch", type=int, default=1000)
    parser.add_argument("--report-rounds", type=int, default=3,
                        help="times `keras-timing report` is run on the "
                        "folder; the median is the figure")
    parser.add_argument("--keep", metavar="LOG_DIR",
                        help="write to this folder and keep it (to profile "
                        "the report); default: a temporary folder, removed")
    args = parser.parse_args()

    import keras

    from keras_timing import FitPredictTimer
    from keras_timing import demo
    from keras_timing import schema
    from keras_timing import report
    from keras_timing.events import records

    model, _, _ = demo.dense_example(keras, samples=32)
    log_dir = args.keep or tempfile.mkdtemp(prefix="keras_timing_scale_")
    timer = FitPredictTimer(log_dir=log_dir, launch_name="scale", verbose=0,
                            batch_size=32)
    timer.set_model(model)
    timer.set_params({"epochs": args.steps // args.per_epoch,
                      "steps": args.per_epoch, "verbose": 0})
    logs = {"loss": 0.5}
    before = rss_mb()
    samples = [(0, before)]
    start = time.perf_counter()
    timer.on_train_begin()
    for epoch in range(args.steps // args.per_epoch):
        timer.on_epoch_begin(epoch)
        for batch in range(args.per_epoch):
            timer.on_train_batch_begin(batch)
            timer.on_train_batch_end(batch, logs)
        timer.on_epoch_end(epoch, logs)
        done = (epoch + 1) * args.per_epoch
        if done % (args.steps // 10) == 0:
            samples.append((done, rss_mb()))
    timer.on_train_end(logs)
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    run_dir = os.path.join(timer.launch_dir, schema.TRAIN)
    size = sum(os.path.getsize(os.path.join(run_dir, f))
               for f in os.listdir(run_dir) if "tfevents" in f)
    points = len(report.read_run(run_dir))
    rounds, cpu = [], []
    for _ in range(max(1, args.report_rounds)):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "keras_timing",
                               "report", log_dir, "--json"],
                              capture_output=True, text=True)
        rounds.append(time.perf_counter() - t0)
        # Its CPU (user + system): what a busy machine's wait leaves out.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - used.ru_utime
                   - used.ru_stime)
    report_s = statistics.median(rounds)
    if not args.keep:
        shutil.rmtree(log_dir, ignore_errors=True)

    growth = max(r for _, r in samples) - before
    print("synthetic hook driver, %d steps, %d per epoch: %.1f s (%.1f us "
          "per step on the training thread and the writer together)"
          % (args.steps, args.per_epoch, elapsed, elapsed / args.steps * 1e6))
    print("| steps done | RSS (MB) |")
    print("|---:|---:|")
    for done, rss in samples:
        print("| %d | %.1f |" % (done, rss))
    print("| figure | value | target |")
    print("|---|---:|---:|")
    print("| RSS growth over the run | %.1f MB | < 20 MB |" % growth)
    print("| peak RSS of the process minus RSS before the run | %.1f MB | |"
          % (peak_kb / 1024 - before))
    print("| event files | %.2f MB | < 50 MB |" % (size / 2**20))
    print("| points written | %d | |" % points)
    print("| `keras-timing report`, median of %d (CRC32C: %s) | %.2f s "
          "(%s; exit %d) | <= 1 s |" % (
              len(rounds), records.IMPLEMENTATION, report_s,
              ", ".join("%.2f" % r for r in rounds), proc.returncode))
    print("| `keras-timing report`'s CPU, median | %.2f s (%s) | |" % (
        statistics.median(cpu), ", ".join("%.2f" % c for c in cpu)))
    ok = growth < 20 and size < 50 * 2**20 and report_s <= 1
    print("verdict: %s" % ("all targets met" if ok else "a target missed"))


if __name__ == "__main__":
    main()
