"""The end of a call where FLOPs are counted (issue 20): `on_train_end`'s
wall time, with the FLOP count inside the call (before) or on the counting
thread (after); and the user's next call, a predict right after the fit,
whose steps the count may share the CPU with (its median step and the
fit/predict ratio).

The case the issue names: the article's CNN fitted at batch 256 with the
timer's defaults (`count_flops="auto"`), 2 epochs of 10 steps after a
one-batch fit that compiles the step, on TensorFlow, where a median step
above the host bound whose read is not measured makes "auto" count. Each
round runs one process per source tree, in a shuffled order; the figure is
the median over rounds of `on_train_end`'s wall ms, with the fit's wall
time and whether the FLOPs reached the event files after `timer.flush()`.

    python benchmarks/flops_end.py --trees BEFORE_DIR AFTER_DIR --rounds 3

Each tree is a checkout of the package (e.g. `git archive <commit> | tar -x
-C DIR`); it goes first on PYTHONPATH.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys

CHILD = r"""
import json, os, time
import keras
from keras_timing import FitPredictTimer, demo, schema
from keras_timing.report import read_run, load_run

model, x, y = demo.cnn_example(keras, samples=2560)
model.fit(x[:256], y[:256], batch_size=256, verbose=0)
timer = FitPredictTimer(log_dir=os.environ["LOG_DIR"], verbose=0)
ends = []
inner = timer.on_train_end

def on_train_end(logs=None):
    t = time.perf_counter()
    inner(logs)
    ends.append(time.perf_counter() - t)

timer.on_train_end = on_train_end
t = time.perf_counter()
model.fit(x, y, batch_size=256, epochs=2, verbose=0, callbacks=[timer])
fit_s = time.perf_counter() - t
model.predict(x, batch_size=256, verbose=0, callbacks=[timer])
timer.flush()
_, summary = load_run(os.path.join(timer.launch_dir, schema.TRAIN))
_, predict = load_run(os.path.join(timer.launch_dir, schema.PREDICT))
print(json.dumps({"end_ms": ends[0] * 1e3, "fit_s": fit_s,
                  "flops": summary.get("flops_per_sample"),
                  "predict_p50": predict.get("p50_ms"),
                  "ratio": timer.fit_predict_ratio}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", nargs="+", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", default="tensorflow")
    args = parser.parse_args()
    results = {tree: [] for tree in args.trees}
    for r in range(args.rounds):
        order = list(args.trees)
        random.shuffle(order)
        for tree in order:
            log_dir = os.path.join("/tmp", "keras_timing_flops_end_%d_%d"
                                   % (os.getpid(), r))
            env = dict(os.environ, PYTHONPATH=tree, LOG_DIR=log_dir,
                       KERAS_BACKEND=args.backend, TF_CPP_MIN_LOG_LEVEL="3")
            done = subprocess.run([sys.executable, "-c", CHILD], env=env,
                                  capture_output=True, text=True, cwd=tree)
            subprocess.run(["rm", "-rf", log_dir])
            line = done.stdout.strip().splitlines()[-1] if done.stdout else ""
            if done.returncode or not line.startswith("{"):
                print("%s failed:\n%s" % (tree, done.stderr[-2000:]))
                continue
            results[tree].append(json.loads(line))
            print(tree, line, "load %.2f" % os.getloadavg()[0], flush=True)
    print("| tree | on_train_end ms (median) | each | fit s (median) | "
          "FLOPs per sample written | predict's median step ms, each | "
          "fit/predict, each |")
    print("|---|---:|---|---:|---|---|---|")
    for tree, rows in results.items():
        if rows:
            print("| %s | %.1f | %s | %.2f | %s | %s | %s |" % (
                tree, statistics.median(r["end_ms"] for r in rows),
                ", ".join("%.1f" % r["end_ms"] for r in rows),
                statistics.median(r["fit_s"] for r in rows),
                ", ".join("%.4g" % (r["flops"] or 0) for r in rows),
                ", ".join("%.2f" % r["predict_p50"] for r in rows),
                ", ".join("%.2f" % r["ratio"] for r in rows)))


if __name__ == "__main__":
    main()
