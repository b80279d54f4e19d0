"""Issue 18, items 1 and 2: compiles counted per run, overlap only where a
compile ran, on user-shaped programs.

The reference for what compiled is not the timer's: the model's
`train_step` and `test_step` are wrapped by a plain function (no
`functools.wraps`) that notes the step being run each time the framework
traces it; JAX's jit and TensorFlow's tf.function run the Python step only
when they trace. (torch runs eagerly by default: nothing compiles; with
`--jit`, `jit_compile=True` and dynamo's own graph counter, read at every
hook, is the reference.) The model classes and the reference callback are
tests/programs/test_compiles.py's. The timer's figures are read back from its event files with tbparse.

Programs (batch 32):
- `validation`: Dense 16, 320 samples, `validation_split=0.2`, 2 epochs.
- `two_fits`: the same model fitted, recompiled (a new optimizer: Keras
  makes the train function anew), fitted again, without validation.
- `generator`: a generator of variable-length sequences (10, 20, 30 steps
  in turn) into Conv1D + global pooling, 2 epochs of 6 batches.
- `bilstm`: Embedding (masked) + Bidirectional LSTM 32, 320 sequences of 40,
  `validation_split=0.2`, 3 epochs; the share of train steps of epochs 2+
  that are counted (not first, recompile, overlap or profiled).

Targets: recompiles counted = later steps traced, per run, in every repeat;
no overlap step where nothing compiled; `bilstm` counted share >= 90% in
10 runs of 10.

    KERAS_BACKEND=jax python benchmarks/compiles.py --repeats 3 --bilstm 10
    KERAS_BACKEND=torch python benchmarks/compiles.py --jit --bilstm 0
"""

import argparse
import functools
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))


def read(launch, run):
    from conftest import read_scalars

    path = os.path.join(launch, run)
    if not os.path.isdir(path):
        return {}
    return {tag: [s for s, _ in points]
            for tag, points in read_scalars(path).items()}


def expected(traced, firsts):
    return sorted({s for s in traced if s not in firsts})


def program(keras, name, log_dir, jit=False):
    """One program's runs: what traced (the reference) against what the
    timer's event files say. `jit` on torch: `jit_compile=True`, dynamo's
    own graph counter as the reference (the test's `Steps`)."""
    from keras_timing import FitPredictTimer
    # The test's model classes and reference callback, not a copy of them.
    from tests.programs.test_compiles import Numbered, Steps, Traced

    torch_jit = jit and keras.backend.backend() == "torch"
    if torch_jit:
        import torch

        torch._dynamo.reset()   # dynamo's per-code-object compile limit
    rng = np.random.default_rng(0)
    timer = FitPredictTimer(log_dir=log_dir, verbose=0)
    if name == "bilstm":
        layers = [keras.Input((40,), dtype="int32"),
                  keras.layers.Embedding(1000, 32, mask_zero=True),
                  keras.layers.Bidirectional(keras.layers.LSTM(32)),
                  keras.layers.Dense(1)]
    elif name == "generator":
        layers = [keras.Input((None, 8)),
                  keras.layers.Conv1D(16, 3, activation="relu"),
                  keras.layers.GlobalAveragePooling1D(),
                  keras.layers.Dense(1)]
    else:
        layers = [keras.Input((10,)),
                  keras.layers.Dense(16, activation="relu"),
                  keras.layers.Dense(1)]
    model = (Numbered if torch_jit else Traced)(layers)
    jit_compile = True if torch_jit else "auto"
    model.compile("adam", "mse", jit_compile=jit_compile)
    steps = Steps(model)
    callbacks = [steps, timer]
    fit = functools.partial(model.fit, verbose=0, callbacks=callbacks,
                            batch_size=32)
    if name == "bilstm":
        x = rng.integers(1, 1000, (320, 40)).astype("int32")
        x[:, 30:] = 0   # padding, masked
        fit(x, rng.random((320, 1), dtype="float32"), epochs=3,
            validation_split=0.2)
    elif name == "generator":
        def batches():
            while True:
                for length in (10, 20, 30):
                    yield (rng.random((32, length, 8), dtype="float32"),
                           rng.random((32, 1), dtype="float32"))
        fit(batches(), epochs=2, steps_per_epoch=6)
    else:
        x = rng.random((320, 10), dtype="float32")
        y = rng.random((320, 1), dtype="float32")
        if name == "validation":
            fit(x, y, epochs=2, validation_split=0.2)
        else:
            fit(x, y, epochs=2)
            model.compile(keras.optimizers.Adam(1e-4), "mse",
                          jit_compile=jit_compile)
            fit(x, y, epochs=2)
    timer.flush()
    (launch,) = [os.path.join(log_dir, d) for d in os.listdir(log_dir)]
    out = {}
    for run, kind in (("train", "train"), ("validation", "test")):
        tags = read(launch, run)
        firsts = set(tags.get("timing/first_batch_ms", []))
        counted = set(tags.get("timing/batch_ms", [])) - firsts
        for tag in ("timing/recompile_ms", "timing/overlap_ms",
                    "timing/profiled_ms"):
            counted -= set(tags.get(tag, []))
        # torch runs the Python step at every step: eagerly (the default)
        # nothing compiles.
        eager = keras.backend.backend() == "torch" and not model.jit_compile
        out[run] = {
            "traced": [] if eager else expected(steps.traced(kind), firsts),
            "counted_recompiles": tags.get("timing/recompile_ms", []),
            "overlap": tags.get("timing/overlap_ms", []),
            "counted": counted,
            "steps": model.begun[kind],
        }
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bilstm", type=int, default=10)
    parser.add_argument("--jit", action="store_true",
                        help="torch: jit_compile=True (dynamo's graph count "
                             "is the reference)")
    args = parser.parse_args()
    import keras

    backend = keras.backend.backend()
    print("| backend | program | repeat | run | traced at (later steps) "
          "| recompiles counted at | equal | overlap steps |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("validation", "two_fits", "generator"):
        for repeat in range(args.repeats):
            result = program(keras, name, tempfile.mkdtemp(), args.jit)
            for run, r in result.items():
                if not r["steps"]:
                    continue
                print("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
                    backend, name, repeat + 1, run, r["traced"],
                    r["counted_recompiles"],
                    "yes" if r["traced"] == r["counted_recompiles"]
                    else "NO", r["overlap"] or "none"))
            sys.stdout.flush()
    print()
    print("| backend | bilstm run | train steps of epochs 2-3 counted "
          "| overlap steps (train, validation) | recompiles equal |")
    print("|---|---|---|---|---|")
    for repeat in range(args.bilstm):
        result = program(keras, "bilstm", tempfile.mkdtemp(), args.jit)
        train = result["train"]
        later = [s for s in range(9, train["steps"] + 1)]
        share = len([s for s in later if s in train["counted"]]) / len(later)
        equal = all(r["traced"] == r["counted_recompiles"]
                    for r in result.values())
        print("| %s | %d | %.0f%% (%d of %d) | %s, %s | %s |" % (
            backend, repeat + 1, 100 * share,
            round(share * len(later)), len(later),
            train["overlap"] or "none",
            result["validation"]["overlap"] or "none",
            "yes" if equal else "NO"))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
