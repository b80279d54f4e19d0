"""`keras-timing explain [MODEL.keras]`: the measured fit-vs-predict answer.

Without a model file it explains the article's two examples (`examples`); with
one it loads the model and makes synthetic inputs and targets from its
input and output shapes, unless `--data FILE.npz` (arrays `x` and `y`) is
given. `--log-dir` writes the table as TensorBoard text and the stage shares
as a bar chart, in the run folder `explain`. `--try SETTING=VALUE`
(repeatable) measures changed settings beside the model (`variants`);
`--backends a,b` runs the whole command on each backend in a process of its
own (`side_by_side`).
"""

import json
import math
import os
import sys
import zipfile

import numpy as np

from keras_timing.explanation import changes
from keras_timing.explanation import charts
from keras_timing.explanation import side_by_side

RUN_NAME = "explain"
SYNTHETIC_BATCHES = 8


def add_parser(subparsers):
    """Adds the `explain` sub-command to `keras-timing`'s argparse parser.

    Args:
        subparsers: What `ArgumentParser.add_subparsers()` returned.

    Example:

    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
    >>> add_parser(sub).parse_args(["m.keras", "--steps", "5"]).steps
    5
    """
    p = subparsers.add_parser(
        "explain", help="why is fit slower than predict? a measured "
                        "breakdown of one training step")
    p.add_argument("model", nargs="?",
                   help="a saved .keras model; default: the demo models")
    p.add_argument("--data", help=".npz file with arrays x and y")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--log-dir", help="write a TensorBoard summary here")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=50,
                   help="timed rounds per program")
    p.add_argument("--fit-steps", type=int, default=20,
                   help="steps of the short real fit")
    p.add_argument("--batch-sizes",
                   help="comma-separated batch sizes to sweep, e.g. 16,32,64")
    p.add_argument("--try", dest="tries", action="append", default=[],
                   metavar="SETTING=VALUE",
                   help="measure a changed setting beside the model "
                        "(repeatable): %s" % ", ".join(changes.FORMS))
    p.add_argument("--backends",
                   help="comma-separated backends to run side by side, "
                        "each in its own process, e.g. tensorflow,jax,torch")
    p.set_defaults(func=run)
    return p


def run(args):
    try:
        sizes = _batch_sizes(args)
        tried = changes.parse_all(args.tries, "--try")
        if args.backends:
            return _side_by_side(args, side_by_side.parse(args.backends))
        largest = max(sizes + [c.value for c in tried
                               if c.setting == "batch_size"])
        jobs = _jobs(args, largest)
        results = []
        for label, make in jobs:
            for size in sizes:
                model, x, y = make()
                results.append((label, _explain(model, x, y, size, args)))
    except (ValueError, OSError) as e:
        print("keras-timing explain: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([dict(r.to_dict(), label=label)
                          for label, r in results], indent=2,
                         default=_json_default))
    else:
        for label, r in results:
            print("[%s] %s\n" % (label, r))
        if len(sizes) > 1:
            print(_sweep_table(results))
    if args.log_dir:
        write(args.log_dir, results, len(sizes) > 1)
        if not args.json:
            print("TensorBoard: tensorboard --logdir %s" % args.log_dir)
    return 0


def _explain(model, x, y, batch_size, args):
    from keras_timing import explain

    # No log_dir: the short fits' runs would land beside `explain`.
    return explain(model, x, y, batch_size=batch_size, steps=args.steps,
                   fit_steps=args.fit_steps, variants=args.tries)


def _side_by_side(args, backends):
    if args.log_dir:
        raise ValueError("--log-dir cannot be combined with --backends: "
                         "run each backend on its own to write its summary")
    if args.model is not None:
        _check_model_file(args.model)
    argv = ([args.model] if args.model else []) + [
        "--json", "--batch-size", str(args.batch_size), "--steps",
        str(args.steps), "--fit-steps", str(args.fit_steps)]
    for flag, value in (("--data", args.data),
                        ("--batch-sizes", args.batch_sizes)):
        if value:
            argv += [flag, value]
    for t in args.tries:
        argv += ["--try", t]
    entries = side_by_side.compare(backends, argv)
    if args.json:
        print(json.dumps(entries, indent=2))
    else:
        print(side_by_side.table(entries))
    return 0


def _batch_sizes(args):
    if not args.batch_sizes:
        return [args.batch_size]
    try:
        sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()]
    except ValueError:
        raise ValueError("--batch-sizes must be comma-separated ints, got %r"
                         % args.batch_sizes)
    if not sizes or min(sizes) < 1:
        raise ValueError("--batch-sizes must be positive ints, got %r"
                         % args.batch_sizes)
    return sizes


def _jobs(args, largest_batch):
    """`[(label, make)]`: `make()` returns a fresh `(model, x, y)`."""
    if args.model is not None:
        # Before importing Keras: a wrong path is told at once.
        _check_model_file(args.model)
    import keras

    from keras_timing import examples
    from keras_timing.explanation.data import synthetic_data

    if args.model is None:
        if args.data:
            raise ValueError("--data needs a MODEL file")
        samples = max(1000, 4 * largest_batch)
        return [(name, lambda fn=fn: fn(keras, samples=samples))
                for name, fn in examples.EXAMPLES.items()]
    label = os.path.basename(args.model)
    if not args.data:
        print("keras-timing explain: no --data: timing synthetic data "
              "(random inputs and targets of the model's shapes); give "
              "--data FILE.npz with arrays x and y for yours",
              file=sys.stderr)

    def make():
        model = keras.saving.load_model(args.model)
        if args.data:
            x, y = _load_npz(args.data)
        else:
            x, y = synthetic_data(model, SYNTHETIC_BATCHES * largest_batch)
        return model, x, y

    return [(label, make)]


def _check_model_file(path):
    if not os.path.exists(path):
        raise ValueError("no model file %r" % path)
    if os.path.isdir(path):
        raise ValueError("%r is a folder, not a model file: give a .keras "
                         "file" % path)
    if not zipfile.is_zipfile(path):
        raise ValueError("%r is not a saved Keras model: a .keras file is a "
                         "zip archive written by model.save" % path)


def _load_npz(path):
    if not os.path.isfile(path):
        raise ValueError("no data file %r" % path)
    with np.load(path) as f:
        missing = {"x", "y"} - set(f.files)
        if missing:
            raise ValueError("%s lacks the array(s) %s (it has %s)"
                             % (path, ", ".join(sorted(missing)),
                                ", ".join(f.files)))
        return f["x"], f["y"]


def _json_default(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def _sweep_table(results):
    lines = ["batch size sweep:",
             "  %-8s %6s %10s %10s %7s %12s %12s" % (
                 "model", "batch", "train ms", "predict ms", "ratio",
                 "train smp/s", "pred smp/s")]
    for label, r in results:
        lines.append("  %-8s %6d %10.3f %10.3f %7.2f %12.0f %12.0f" % (
            label, r.batch_size, r.train_step_ms, r.predict_step_ms,
            r.ratio, *charts.throughputs(r)))
    return "\n".join(lines)


# ---- TensorBoard ----------------------------------------------------------


def write(log_dir, results, sweep=False):
    """Writes explanations as TensorBoard text and bar charts into the run
    `explain` under `log_dir`; `results` is `[(label, Explanation)]`."""
    from keras_timing.events.writer import RunWriter

    writer = RunWriter(os.path.join(log_dir, RUN_NAME))
    try:
        for label, r in results:
            step = r.batch_size
            writer.text("explain/%s" % label, step, r.to_markdown())
            png, w, h = charts.shares_png(r)
            writer.image("explain/%s/shares" % label, step, png, w, h)
        if sweep:
            for label in dict(results):
                same = [r for lbl, r in results if lbl == label]
                png, w, h = charts.sweep_png(label, same)
                writer.image("explain/%s/sweep" % label, 0, png, w, h)
    finally:
        writer.close()
