"""Issue 18 item 5: two processes on loopback count samples in one scope.

Global batch 32, 16 per process: JAX `DataParallel` over both processes'
devices (gloo collectives), JAX processes that train apart (no
distribution), and TensorFlow `MultiWorkerMirroredStrategy`: the worker
scripts of `tests/programs/test_scope.py`. Per run, the samples a step the
event files of both processes hold (read with tensorboard's
EventAccumulator: samples_per_sec x (batch + input wait)), the report's
`samples_scope` and the fit/predict ratio with its interval. Keras itself
hands the timer 16 (JAX train, validation), 32 (JAX predict), 32
(TensorFlow train, validation) and 16 (TensorFlow predict).

    python benchmarks/scope.py --repeats 3
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

RUNS = ("train", "validation", "predict")


def samples_a_step(run_dir):
    """The distinct samples a step of one process's event file."""
    from tensorboard.backend.event_processing import event_accumulator

    from keras_timing import schema

    acc = event_accumulator.EventAccumulator(
        run_dir, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()

    def tag(name):
        return {e.step: e.value for e in acc.Scalars(name)}

    batch, wait = tag(schema.BATCH_MS), tag(schema.INPUT_WAIT_MS)
    return sorted({round(rate * (batch[s] + wait[s]) / 1e3, 1)
                   for s, rate in tag(schema.SAMPLES_PER_SEC).items()})


def one(name, source, ports, *extra):
    tmp = tempfile.mkdtemp(prefix="keras_timing_scope_")
    script = os.path.join(tmp, "worker.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(source))
    log_dir = os.path.join(tmp, "logs")
    procs = [subprocess.Popen(
        [sys.executable, script, log_dir, str(i), ports, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}) for i in (0, 1)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        if p.returncode:
            raise RuntimeError("%s: %s" % (name, err[-2000:]))
    launch = os.path.join(log_dir, "run")
    cells = []
    for run in RUNS:
        chief = os.path.join(launch, run)
        files = [os.path.join(chief, f) for f in os.listdir(chief)
                 if "tfevents" in f]
        cells.append("%s / %s" % (
            samples_a_step(files[0]),
            samples_a_step(os.path.join(chief, "worker_1"))))
    out = subprocess.run(
        [sys.executable, "-m", "keras_timing", "report", log_dir, "--json"],
        capture_output=True, text=True, check=True).stdout
    (read,) = json.loads(out)
    return cells, read["samples_scope"], (
        read["fit_predict_ratio"], read["fit_predict_ratio_low"],
        read["fit_predict_ratio_high"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from programs import test_scope

    setups = (("jax", "DataParallel, 2 processes", test_scope._JAX,
               lambda: test_scope._free_ports(1)[0], ("data_parallel",)),
              ("jax", "2 processes, no distribution", test_scope._JAX,
               lambda: test_scope._free_ports(1)[0], ("apart",)),
              ("tensorflow", "MultiWorkerMirroredStrategy, 2 workers",
               test_scope._TF, lambda: ",".join(test_scope._free_ports(2)),
               ()))
    print("| backend | setup | repeat | train samples a step (chief / "
          "worker_1) | validation | predict | samples_scope | ratio (95%) |"
          "\n|---|---|---:|---|---|---|---|---|")
    for repeat in range(1, args.repeats + 1):
        for backend, name, source, ports, extra in setups:
            cells, scope, (r, low, high) = one(name, source, ports(), *extra)
            print("| %s | %s | %d | %s | %s | %s | %s | %.3g (%.3g-%.3g) |"
                  % (backend, name, repeat, *cells, scope, r, low, high),
                  flush=True)


if __name__ == "__main__":
    main()
