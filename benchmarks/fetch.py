"""`timing/fetch_ms` against what it measures: the data read inside the step.

For a `PyDataset` that times its own `__getitem__` (sleeping `delay` ms per
batch: a slow source), a 4-epoch fit of the article's dense model with the
timer's defaults. Read back from the event files (tbparse): the sum of
`timing/fetch_ms` and of `timing/batch_ms` over every step; from the
dataset: the sum of its `__getitem__` times between the fit's begin and end.
Each backend in a process of its own, configurations in a shuffled order
each round, medians over the rounds.

Without workers the step (JAX) or Keras's producer (TensorFlow) calls
`__getitem__` itself, so fetch should be its sum plus Keras's own handling
of the batch; with workers, `__getitem__` runs in their threads, in
parallel, and fetch is only the step's wait on their queue. Two controls:
the same model on arrays (no Python read; `fetch_ms` not written on
TensorFlow) and the `PyDataset` with no delay (the cost of Keras's path
for a `PyDataset`), so the step's own time can be told from the data's.
`epoch end` is the time from each epoch's last end hook to its
`on_epoch_end` (Keras stops the adapter there: with workers, its
enqueuer's `stop()`), per epoch; `data epoch end` the summary's
`data_epoch_end_ms` per epoch, the part of it in the data adapter's own
`on_epoch_end`.

`--helps`: the issue's source (3 ms a batch, two workers, 4 epochs of 20
batches) against what the advice of verdict rule 5 names: the same
batches as one epoch (`__len__` four times as long, `i % 20`), and one
worker; and a source with no delay, with two workers and with one. The
fit's wall time (a callback's own, before the timer's FLOP count), its
data epoch ends and verdict.

    python benchmarks/fetch.py                       # jax and tensorflow
    python benchmarks/fetch.py --backends jax --rounds 3
    python benchmarks/fetch.py --helps --rounds 3
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# (delay ms, workers); a delay of None: the arrays themselves, no PyDataset.
CONFIGS = [(None, 0), (0.0, 1), (2.0, 1), (5.0, 1), (0.0, 2), (3.0, 2)]
# --helps: (name, delay ms, workers, passes per epoch, epochs).
HELPS = [("3 ms, as is: 4 epochs, 2 workers", 3.0, 2, 1, 4),
         ("3 ms, one 4-pass epoch, 2 workers", 3.0, 2, 4, 1),
         ("3 ms, 4 epochs, 1 worker", 3.0, 1, 1, 4),
         ("0 ms, 4 epochs, 2 workers", 0.0, 2, 1, 4),
         ("0 ms, 4 epochs, 1 worker", 0.0, 1, 1, 4)]


def one_fit(keras, delay_ms, workers, passes=1, epochs=4):
    """`(fetch_ms, getitem_ms, batch_ms, steps, getitem_calls, p50,
    epoch_end, data_epoch_end, wall_ms, bound)` of one timed fit: sums over
    all its steps and `__getitem__` calls, the median `batch_ms`, the mean
    epoch end and data epoch end (ms), the fit's wall time from the user's
    own `on_train_begin` to `on_train_end` (called before the timer's, so
    the FLOP count the timer may add at the end is not in it), and its
    verdict.
    `passes`: how many times one epoch reads the data."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                    "tests"))
    from conftest import read_scalars

    from keras_timing import FitPredictTimer
    from keras_timing import schema
    from keras_timing.analysis.verdict import verdict
    from keras_timing.demo import dense_example

    class Timed(keras.utils.PyDataset):
        def __init__(self, x, y, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.calls = x, y, []

        def __len__(self):
            return len(self.x) // 32 * passes

        def __getitem__(self, i):
            start = time.perf_counter()
            if delay_ms:
                time.sleep(delay_ms / 1e3)  # the slow source
            i %= len(self.x) // 32
            out = self.x[i * 32:(i + 1) * 32], self.y[i * 32:(i + 1) * 32]
            self.calls.append((start, time.perf_counter() - start))
            return out

    class Window(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter()

        def on_train_end(self, logs=None):
            self.end = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.ends = getattr(self, "ends", []) + [
                time.perf_counter() - self.last]

    model, x, y = dense_example(keras, samples=640)
    model.fit(x[:32], y[:32], batch_size=32, verbose=0)  # compile first
    data = Timed(x, y, workers=max(workers, 1))
    log_dir = tempfile.mkdtemp(prefix="keras_timing_fetch_")
    try:
        window = Window()
        timer = FitPredictTimer(log_dir=log_dir, verbose=0)
        if delay_ms is None:
            model.fit(x, y, batch_size=32, epochs=epochs, verbose=0,
                      callbacks=[window, timer])
        else:
            model.fit(data, epochs=epochs, verbose=0,
                      callbacks=[window, timer])
        timer.flush()
        scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
        fetch = sum(v for _, v in scalars.get(schema.FETCH_MS, []))
        batch = [v for _, v in scalars[schema.BATCH_MS]]
        inside = [d for s, d in data.calls if window.begin <= s <= window.end]
        summary = {k[len(schema.SUMMARY_SCALARS):]: v[-1][1]
                   for k, v in scalars.items()
                   if k.startswith(schema.SUMMARY_SCALARS)}
        summary["run"] = schema.TRAIN
        return (fetch, sum(inside) * 1e3, sum(batch), len(batch),
                len(inside), statistics.median(batch),
                statistics.mean(window.ends) * 1e3,
                summary["data_epoch_end_ms"] / epochs,
                (window.end - window.begin) * 1e3,
                verdict(summary, None, summary["data_in_step"] == 1)[
                    "bound"])
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


def child(rounds, seed, helps=False):
    """Runs in one backend's process: prints a JSON list of rows."""
    import keras

    rng = random.Random(seed)
    if helps:
        runs = {name: [] for name, *_ in HELPS}
        for _ in range(rounds):
            for name, delay, workers, passes, epochs in rng.sample(
                    HELPS, len(HELPS)):
                runs[name].append(one_fit(keras, delay, workers, passes,
                                          epochs))
        print("ROWS " + json.dumps([dict(
            name=name, call=statistics.median(r[8] for r in got),
            ends=statistics.median(r[7] for r in got), p50=statistics.median(
                r[5] for r in got), bounds=sorted({r[9] for r in got}))
            for name, got in runs.items()]))
        return
    results = {c: [] for c in CONFIGS}
    for _ in range(rounds):
        order = list(CONFIGS)
        rng.shuffle(order)
        for delay, workers in order:
            results[delay, workers].append(one_fit(keras, delay, workers))
    rows = []
    for (delay, workers), runs in results.items():
        fetch, getitem, batch, steps, calls, p50, end, data_end = (
            statistics.median(r[i] for r in runs) for i in range(8))
        rows.append(dict(delay=delay, workers=workers, steps=steps,
                         calls=calls, fetch=fetch, getitem=getitem,
                         batch=batch, p50=p50, end=end, data_end=data_end,
                         bounds=sorted({r[9] for r in runs})))
    print("ROWS " + json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="jax,tensorflow")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--helps", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.rounds, args.seed, args.helps)
        return
    if args.helps:
        print("| backend | source, 80 batches | fit wall (ms)"
              " | data epoch ends (ms per epoch) | median batch_ms | "
              "verdicts |")
        print("|---|---|---:|---:|---:|---|")
    else:
        print("| backend | data | workers | steps | fetch_ms sum (ms) | "
              "`__getitem__` calls | `__getitem__` sum (ms) | fetch / "
              "`__getitem__` | batch_ms sum (ms) | fetch / batch | fetch "
              "per step (ms) | median batch_ms | epoch end (ms) | data "
              "epoch end (ms) | verdicts |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
              "---:|---:|---|")
    for backend in args.backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend,
                   TF_CPP_MIN_LOG_LEVEL="3")
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--rounds",
             str(args.rounds), "--seed", str(args.seed)]
            + ["--helps"] * args.helps,
            env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit("%s child failed:\n%s" % (backend,
                                                 done.stderr[-3000:]))
        rows = json.loads(done.stdout.split("ROWS ", 1)[1])
        if args.helps:
            for r in rows:
                print("| %s | %s | %.0f | %.1f | %.3f | %s |" % (
                    backend, r["name"], r["call"], r["ends"], r["p50"],
                    ", ".join(r["bounds"])))
            continue
        for r in rows:
            print("| %s | %s | %s | %d | %.1f | %d | %.1f | %.2f | %.1f | "
                  "%.2f | %.3f | %.3f | %.1f | %.1f | %s |" % (
                      backend, "arrays" if r["delay"] is None else
                      "%g ms" % r["delay"], r["workers"] or "-", r["steps"],
                      r["fetch"], r["calls"], r["getitem"],
                      r["fetch"] / r["getitem"] if r["getitem"] else
                      float("nan"), r["batch"], r["fetch"] / r["batch"],
                      r["fetch"] / r["steps"], r["p50"], r["end"],
                      r["data_end"], ", ".join(r["bounds"])))


if __name__ == "__main__":
    main()
