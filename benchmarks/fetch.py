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
enqueuer's `stop()`), per epoch.

    python benchmarks/fetch.py                       # jax and tensorflow
    python benchmarks/fetch.py --backends jax --rounds 3
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


def one_fit(keras, delay_ms, workers):
    """`(fetch_ms, getitem_ms, batch_ms, steps, getitem_calls, p50,
    epoch_end)` of one timed fit: sums over all its steps and `__getitem__`
    calls, the median `batch_ms` and the mean epoch end (ms)."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                    "tests"))
    from conftest import read_scalars

    from keras_timing import FitPredictTimer
    from keras_timing import schema
    from keras_timing.demo import dense_example

    class Timed(keras.utils.PyDataset):
        def __init__(self, x, y, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.calls = x, y, []

        def __len__(self):
            return len(self.x) // 32

        def __getitem__(self, i):
            start = time.perf_counter()
            if delay_ms:
                time.sleep(delay_ms / 1e3)  # the slow source
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
            model.fit(x, y, batch_size=32, epochs=4, verbose=0,
                      callbacks=[window, timer])
        else:
            model.fit(data, epochs=4, verbose=0, callbacks=[window, timer])
        timer.flush()
        scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
        fetch = sum(v for _, v in scalars.get(schema.FETCH_MS, []))
        batch = [v for _, v in scalars[schema.BATCH_MS]]
        inside = [d for s, d in data.calls if window.begin <= s <= window.end]
        return (fetch, sum(inside) * 1e3, sum(batch), len(batch),
                len(inside), statistics.median(batch),
                statistics.mean(window.ends) * 1e3)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


def child(rounds, seed):
    """Runs in one backend's process: prints a JSON list of rows."""
    import keras

    rng = random.Random(seed)
    results = {c: [] for c in CONFIGS}
    for _ in range(rounds):
        order = list(CONFIGS)
        rng.shuffle(order)
        for delay, workers in order:
            results[delay, workers].append(one_fit(keras, delay, workers))
    rows = []
    for (delay, workers), runs in results.items():
        fetch, getitem, batch, steps, calls, p50, end = (
            statistics.median(r[i] for r in runs) for i in range(7))
        rows.append(dict(delay=delay, workers=workers, steps=steps,
                         calls=calls, fetch=fetch, getitem=getitem,
                         batch=batch, p50=p50, end=end))
    print("ROWS " + json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="jax,tensorflow")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.rounds, args.seed)
        return
    print("| backend | data | workers | steps | fetch_ms sum (ms) | "
          "`__getitem__` calls | `__getitem__` sum (ms) | fetch / "
          "`__getitem__` | batch_ms sum (ms) | fetch / batch | fetch per "
          "step (ms) | median batch_ms | epoch end (ms) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend,
                   TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--rounds",
             str(args.rounds), "--seed", str(args.seed)],
            env=env, capture_output=True, text=True, check=True).stdout
        rows = json.loads(out.split("ROWS ", 1)[1])
        for r in rows:
            print("| %s | %s | %s | %d | %.1f | %d | %.1f | %.2f | %.1f | "
                  "%.2f | %.3f | %.3f | %.1f |" % (
                      backend, "arrays" if r["delay"] is None else
                      "%g ms" % r["delay"], r["workers"] or "-", r["steps"],
                      r["fetch"], r["calls"], r["getitem"],
                      r["fetch"] / r["getitem"] if r["getitem"] else
                      float("nan"), r["batch"], r["fetch"] / r["batch"],
                      r["fetch"] / r["steps"], r["p50"], r["end"]))


if __name__ == "__main__":
    main()
