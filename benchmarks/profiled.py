"""Issue 18 item 3: profiler windows must not move the figures.

The same fit and predict (the article's dense model, `Dense(64) ->
Dense(1)`, 64,000 samples, batch 32: one epoch of 2,000 train steps, so every
step is in the counted pass, then one predict call of 2,000 steps), with and
without `profile_steps=(5, 8)`, `profile_predict_steps=(3, 5)`, interleaved
in one process (a fresh model and timer each time; the order alternates
pair by pair). A repeat is `--pairs` such pairs (5), and its factors are
the medians over its pairs of with over without (a pair runs back to back,
under the same load): on a machine other work shares, one fit's ms per
sample moves by more than the 10% asked for. Per repeat: the fit/predict
ratio and the train and predict ms per sample, with windows over without.
Target: every such factor within x1.1.

Also printed, from the same event files (read back with tbparse): what the
ratio would have been had the profiled steps been counted (the timer
before issue 18 item 3); the ratio of the median counted steps (per
sample), which a loaded machine's stalls move far less than the totals; and
the median batch_ms of the profiled steps against the counted ones.

    KERAS_BACKEND=jax python benchmarks/profiled.py --repeats 3
    python benchmarks/profiled.py --all      # the three backends, a table
    python benchmarks/profiled.py --all --control   # the noise floor (A/A)

`--control` runs both arms without windows, paired and reduced the same
way: how far identical runs move on this machine at this moment, the floor
under which a with/without factor says nothing.

Only one profiler session runs at a time per process on TensorFlow and JAX;
the captures here run one after the other.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SAMPLES, BATCH = 64000, 32
WINDOWS = dict(profile_steps=(5, 8), profile_predict_steps=(3, 5))
TARGET = 1.1


def _kinds_and_samples(run_dir):
    """Per step of the run, read back with tbparse: its interval (batch +
    input wait, ms), its samples and the tag of its kind (or None)."""
    from tbparse import SummaryReader

    from keras_timing import schema
    from keras_timing.analysis.steps import StepKind

    df = SummaryReader(run_dir).scalars
    tags = {t: dict(zip(g.step.astype(int), g.value.astype(float)))
            for t, g in df.groupby("tag")}
    batch, wait = tags[schema.BATCH_MS], tags[schema.INPUT_WAIT_MS]
    rate = tags.get(schema.SAMPLES_PER_SEC, {})
    out = []
    for step in sorted(batch):
        interval = batch[step] + wait.get(step, 0.0)
        kind = next((k for k in StepKind if step in tags.get(k.tag, {})),
                    None)
        out.append((step, batch[step], interval,
                    rate.get(step, 0.0) * interval / 1e3, kind))
    return out


def _ms_per_sample(steps, count_profiled):
    from keras_timing.analysis.steps import StepKind

    ms = n = 0.0
    for _, _, interval, samples, kind in steps:
        if kind is None or (count_profiled and kind == StepKind.PROFILED):
            ms += interval
            n += samples
    return ms / n


def _p50(steps):
    """The median counted interval per sample."""
    return float(np.median([interval / samples
                            for _, _, interval, samples, kind in steps
                            if kind is None and samples > 0]))


def one(keras, profiled, samples=SAMPLES, windows=True):
    """One fit + predict; its figures from the timer and its event files.
    `windows=False` runs the "with" arm without windows: the control."""
    from keras_timing import FitPredictTimer
    from keras_timing import demo
    from keras_timing.analysis.steps import StepKind

    keras.utils.set_random_seed(0)
    model, x, y = demo.dense_example(keras, samples=samples)
    timer = FitPredictTimer(log_dir=tempfile.mkdtemp(prefix="kt_prof_"),
                            verbose=0,
                            **(WINDOWS if profiled and windows else {}))
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0,
              callbacks=[timer])
    model.predict(x, batch_size=BATCH, verbose=0, callbacks=[timer])
    timer.flush()
    s = timer.summaries()
    train = _kinds_and_samples(os.path.join(timer.launch_dir, "train"))
    predict = _kinds_and_samples(os.path.join(timer.launch_dir, "predict"))
    row = {"ratio": timer.fit_predict_ratio,
           "train": s["train"]["ms_per_sample"],
           "predict": s["predict"]["ms_per_sample"],
           "profiled": (s["train"]["profiled_steps"],
                        s["predict"]["profiled_steps"]),
           # Robust to a loaded machine's stalls: the median counted step.
           "p50_ratio": _p50(train) / _p50(predict)}
    if profiled:
        old_train = _ms_per_sample(train, True)
        old_predict = _ms_per_sample(predict, True)
        row["counted_anyway"] = {"ratio": old_train / old_predict,
                                 "train": old_train, "predict": old_predict}
        profiled_ms = [b for steps in (train, predict)
                       for _, b, _, _, k in steps if k == StepKind.PROFILED]
        row["profiled_batch_ms"] = (float(np.median(profiled_ms))
                                    if profiled_ms else float("nan"))
        row["counted_batch_ms"] = float(np.median(
            [b for steps in (train, predict) for _, b, _, _, k in steps
             if k is None]))
    return row


def _median_row(runs):
    """Each figure's median over a repeat's runs of one arm."""
    out = dict(runs[0])
    for key in ("ratio", "train", "predict", "profiled_batch_ms",
                "counted_batch_ms", "p50_ratio"):
        if key in out:
            out[key] = float(np.median([r[key] for r in runs]))
    if "counted_anyway" in out:
        out["counted_anyway"] = {k: float(np.median(
            [r["counted_anyway"][k] for r in runs]))
            for k in out["counted_anyway"]}
    return out


def measure(repeats, pairs, samples=SAMPLES, windows=True):
    """`repeats` rounds of `pairs` with/without pairs, alternating which
    runs first. A round's factors are the medians over its pairs of with
    over without (each pair ran back to back, under the same load); its
    arms' figures are their medians."""
    import keras

    one(keras, False, samples)   # imports and the first compiles, unused
    rounds = []
    for r in range(repeats):
        got = {False: [], True: []}
        for k in range(pairs):
            order = (False, True) if (r + k) % 2 == 0 else (True, False)
            for p in order:
                got[p].append(one(keras, p, samples, windows))
        factors = {key: float(np.median(
            [b[key] / a[key] for a, b in zip(got[False], got[True])]))
            for key in ("ratio", "train", "predict", "p50_ratio")}
        factors["counted_anyway"] = float(np.median(
            [b["counted_anyway"]["ratio"] / a["ratio"]
             for a, b in zip(got[False], got[True])]))
        rounds.append({"without": _median_row(got[False]),
                       "with": _median_row(got[True]),
                       "factors": factors})
    return {"backend": keras.backend.backend(), "pairs": pairs,
            "control": not windows,
            "samples": samples, "rounds": rounds}


HEAD = ("| backend | repeat | ratio without | ratio with (x) | "
        "train ms/sample without / with (x) | predict ms/sample without / with (x) | "
        "profiled steps train, predict | ratio had they counted (x) | "
        "ratio of median steps without / with (x) | median batch_ms "
        "profiled / counted |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def rows(result):
    out = []
    for i, r in enumerate(result["rounds"], 1):
        a, b, f = r["without"], r["with"], r["factors"]
        old = b["counted_anyway"]
        out.append(
            "| %s | %d | %.2f | %.2f (x%.2f) | %.4f / %.4f (x%.2f) | "
            "%.4f / %.4f (x%.2f) | %d, %d | %.2f (x%.2f) | %.2f / %.2f "
            "(x%.2f) | %.2f / %.2f |" % (
                result["backend"], i, a["ratio"], b["ratio"], f["ratio"],
                a["train"], b["train"], f["train"], a["predict"],
                b["predict"], f["predict"], b["profiled"][0],
                b["profiled"][1], old["ratio"], f["counted_anyway"],
                a["p50_ratio"], b["p50_ratio"], f["p50_ratio"],
                b["profiled_batch_ms"], b["counted_batch_ms"]))
    return out


def within(result):
    """Whether every factor (ratio, train, predict) is within TARGET."""
    return all(1 / TARGET <= r["factors"][key] <= TARGET
               for r in result["rounds"]
               for key in ("ratio", "train", "predict"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=SAMPLES,
                        help="samples (batch 32): fit's and predict's steps")
    parser.add_argument("--pairs", type=int, default=5,
                        help="with/without pairs per repeat (medians)")
    parser.add_argument("--all", action="store_true",
                        help="run every backend in its own process")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--control", action="store_true",
                        help="the noise floor: both arms without windows "
                             "(A/A), the same pairing and medians")
    args = parser.parse_args(argv)
    if args.all:
        print(HEAD)
        for backend in ("jax", "tensorflow", "torch"):
            env = dict(os.environ, KERAS_BACKEND=backend,
                       TF_CPP_MIN_LOG_LEVEL="3")
            done = subprocess.run(
                [sys.executable, __file__, "--repeats", str(args.repeats),
                 "--pairs", str(args.pairs), "--samples",
                 str(args.samples), "--json"]
                + (["--control"] if args.control else []), env=env,
                capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print("\n".join(rows(result)), flush=True)
            print("<!-- %s within x%.1f: %s -->" % (backend, TARGET,
                                                   within(result)))
        return
    result = measure(args.repeats, args.pairs, args.samples,
                     not args.control)
    if args.json:
        print(json.dumps(result))
    else:
        print(HEAD)
        print("\n".join(rows(result)))
        print("within x%.1f: %s" % (TARGET, within(result)))


if __name__ == "__main__":
    main()
