"""What the per-step cost benchmarks (`cost.py`, `overhead.py`) share: their
common options, one child process per backend, and the synthetic driver
that calls a timer's hooks back to back.

    from harness import arguments, each_backend
    args = arguments(__doc__, rounds=9).parse_args()
    results = each_backend(__file__, args.backends)
"""

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def arguments(doc, backends="jax,tensorflow,torch", rounds=9):
    """An argument parser with the options every per-backend benchmark
    takes: --backends, --steps, --rounds, --samples and the hidden --one
    (set in the child process that runs one backend).

    Args:
        doc: The script's docstring; its first line describes the script.
        backends: The default of --backends, comma-separated.
        rounds: The default of --rounds.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--backends", default=backends)
    parser.add_argument("--steps", type=int, default=20000,
                        help="back-to-back hook steps")
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--samples", type=int, default=8192,
                        help="samples of the fit (256 steps an epoch)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    return parser


def each_backend(script, backends):
    """Runs `script --one` with this process's arguments in a child
    process per backend (`KERAS_BACKEND` set, C++ logs off), one after the
    other; returns the JSON object each printed last. A backend whose child
    fails is named with its stderr's end and left out.

    Args:
        script: The benchmark's path (`__file__`).
        backends: Comma-separated backend names.
    """
    results = []
    for backend in backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend,
                   TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run([sys.executable, script, "--one"]
                             + sys.argv[1:], env=env, capture_output=True,
                             text=True)
        if out.returncode:
            print("%s: failed\n%s" % (backend, out.stderr[-3000:]))
            continue
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def hook_timer(keras, log_dir, steps, per_epoch):
    """A `FitPredictTimer` on the article's dense model, its batch size and
    `steps // per_epoch` epochs of `per_epoch` steps told, as a fit would."""
    from keras_timing import FitPredictTimer
    from keras_timing import demo

    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=log_dir, verbose=0, batch_size=32)
    timer.set_model(model)
    timer.set_params({"epochs": max(1, steps // per_epoch),
                      "steps": per_epoch, "verbose": 0})
    return timer


class FetchMeters:
    """Step meters shaped like JAX's fetch clock (`profiling.fetch`):
    `fetch_ms` read at every begin hook, `epoch_fetch_ms` only at an
    epoch's first; each reading the ms since the last, from a clock
    advanced by a fixed 0.01 ms a step (the driver reads no data)."""

    def __init__(self):
        self.ms = 0.0

    def pairs(self):
        def fetch():
            self.ms, ms = 0.0, self.ms + 0.01
            return ms
        return (("fetch_ms", fetch), ("epoch_fetch_ms", lambda: None))


def drive(timer, steps, per_epoch, record=None, meters=None, lag=0):
    """One call of `steps` back-to-back steps; `record(name, ns)` gets each
    hook's duration where given. `lag`: each step's end hook comes after
    the begin hooks of the `lag` steps after it, as Keras's pool runs them
    on JAX and torch (dispatch runs ahead of the device); an epoch's last
    ends come before its end hook. Returns the end hook's (wall, CPU) s."""
    logs = {"loss": 0.5}
    clock = time.perf_counter_ns
    hooks = {name: getattr(timer, name) for name in
             ("on_train_begin", "on_epoch_begin", "on_train_batch_begin",
              "on_train_batch_end", "on_epoch_end", "on_train_end")}
    if record is None:
        call = lambda name, *a: hooks[name](*a)  # noqa: E731
    else:
        def call(name, *a):
            t0 = clock()
            hooks[name](*a)
            record(name, clock() - t0)
    call("on_train_begin")
    if meters is not None:
        # As a JAX call's data adapter gives them (`Call._meters`).
        timer._train._meters = meters.pairs()
    begin, end = hooks["on_train_batch_begin"], hooks["on_train_batch_end"]
    if record is not None:
        # Timed one by one; unrecorded, the hooks are called directly (the
        # driver's own calls are part of the CPU measured).
        def begin(batch):
            call("on_train_batch_begin", batch)

        def end(batch, logs):
            call("on_train_batch_end", batch, logs)
    n = min(per_epoch, steps)
    for epoch in range(max(1, steps // per_epoch)):
        call("on_epoch_begin", epoch)
        if lag:
            for batch in range(n + lag):
                if batch < n:
                    begin(batch)
                if batch >= lag:
                    end(batch - lag, logs)
        else:
            for batch in range(n):
                begin(batch)
                end(batch, logs)
        call("on_epoch_end", epoch, logs)
    wall, cpu = time.perf_counter(), time.process_time()
    hooks["on_train_end"](logs)
    return time.perf_counter() - wall, time.process_time() - cpu


def cpu_us_per_step(keras, steps, per_epoch=1000, meters=None, lag=0):
    """Process CPU µs per step, every thread (the training thread, the
    writer thread, any a framework started), the call's end included;
    `meters` and `lag` as `drive` takes them."""
    log_dir = tempfile.mkdtemp(prefix="keras_timing_cost_")
    try:
        timer = hook_timer(keras, log_dir, steps, per_epoch)
        # The model just built is garbage's to collect first: a full
        # collection of the framework's heap (0.45 s on TensorFlow) falling
        # inside the steps would bill the benchmark's own set-up to them.
        gc.collect()
        cpu = time.process_time()
        drive(timer, steps, per_epoch, meters=meters, lag=lag)
        return (time.process_time() - cpu) / steps * 1e6
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
