"""`keras-timing explain [MODEL.keras]`: the measured fit-vs-predict answer.

Without a model file it explains the article's two examples (`demo`); with
one it loads the model and makes synthetic inputs and targets from its
input and output shapes, unless `--data FILE.npz` (arrays `x` and `y`) is
given. `--log-dir` writes the table as TensorBoard text and the stage shares
as a bar chart, in the run folder `explain`.
"""

import io
import json
import math
import os
import sys

import numpy as np

RUN_NAME = "explain"
SYNTHETIC_BATCHES = 8


def add_parser(subparsers):
    """Adds the `explain` sub-command to `keras-timing`'s argparse parser.

    Args:
        subparsers: What `ArgumentParser.add_subparsers()` returned.

    Example:

    ```python
    sub = parser.add_subparsers(dest="command")
    explain_cli.add_parser(sub)
    ```
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
    p.set_defaults(func=run)
    return p


def run(args):
    try:
        sizes = _batch_sizes(args)
        jobs = _jobs(args, max(sizes))
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

    return explain(model, x, y, batch_size=batch_size, steps=args.steps,
                   fit_steps=args.fit_steps, log_dir=args.log_dir)


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
    import keras

    from keras_timing import demo

    if args.model is None:
        if args.data:
            raise ValueError("--data needs a MODEL file")
        samples = max(1000, 4 * largest_batch)
        return [(name, lambda fn=fn: fn(keras, samples=samples))
                for name, fn in demo.EXAMPLES.items()]
    if not os.path.isfile(args.model):
        raise ValueError("no model file %r" % args.model)
    label = os.path.basename(args.model)

    def make():
        model = keras.saving.load_model(args.model)
        if args.data:
            x, y = _load_npz(args.data)
        else:
            x, y = synthetic_data(model, SYNTHETIC_BATCHES * largest_batch)
        return model, x, y

    return [(label, make)]


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


def synthetic_data(model, samples, seed=0):
    """Random `(x, y)` shaped like `model`'s inputs and outputs.

    Targets of a loss named `sparse...` are class indices; other targets are
    uniform in [0, 1), which every built-in loss accepts.
    """
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ValueError("model %r does not say its input and output shapes "
                         "(a subclassed model?): pass --data FILE.npz"
                         % model.name)
    rng = np.random.default_rng(seed)

    def make(tensor, sparse=False):
        shape = [samples] + [16 if d is None else d
                             for d in tuple(tensor.shape)[1:]]
        if sparse:
            return rng.integers(0, shape[-1], size=shape[:-1])
        if "int" in str(tensor.dtype):
            return rng.integers(0, 2, size=shape).astype(str(tensor.dtype))
        return rng.random(shape, dtype=np.float32)

    losses = model.loss if isinstance(model.loss, (list, tuple)) \
        else [model.loss] * len(outputs)
    x = [make(t) for t in inputs]
    y = [make(t, "sparse" in _loss_name(loss).lower())
         for t, loss in zip(outputs, losses)]
    return (x[0] if len(x) == 1 else x), (y[0] if len(y) == 1 else y)


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or type(loss).__name__


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
            r.ratio, *_throughputs(r)))
    return "\n".join(lines)


def _throughputs(r):
    return (r.batch_size * 1e3 / r.train_step_ms,
            r.batch_size * 1e3 / r.predict_step_ms)


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
            png, w, h = shares_png(r)
            writer.image("explain/%s/shares" % label, step, png, w, h)
        if sweep:
            for label in dict(results):
                png, w, h = sweep_png(label, [r for lbl, r in results
                                              if lbl == label])
                writer.image("explain/%s/sweep" % label, 0, png, w, h)
    finally:
        writer.close()


def _png(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf)
    w, h = canvas.get_width_height()
    return buf.getvalue(), w, h


def shares_png(result):
    """A bar chart of the stage shares: `(png_bytes, width, height)`."""
    # Figure, not pyplot: no global state, no GUI backend is touched.
    from matplotlib.figure import Figure

    names = list(result.phases_ms)[::-1]
    shares = [100 * result.shares[n] for n in names]
    fig = Figure(figsize=(6.4, 0.45 * len(names) + 1.4), dpi=100)
    ax = fig.add_subplot()
    bars = ax.barh(names, shares, color="tab:orange")
    for bar, n in zip(bars, names):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                " %.3f ms" % result.phases_ms[n], va="center", fontsize=8)
    ax.set_xlabel("share of the training step (%)")
    ax.set_xlim(0, max(shares + [1]) * 1.3)
    ax.set_title("%s: train step %.3f ms = %.1fx predict per sample"
                 % (result.model_name, result.train_step_ms, result.ratio),
                 fontsize=9)
    fig.tight_layout()
    return _png(fig)


def sweep_png(label, results):
    """Per-sample ratio and throughput against batch size."""
    from matplotlib.figure import Figure

    results = sorted(results, key=lambda r: r.batch_size)
    sizes = [r.batch_size for r in results]
    train, predict = zip(*[_throughputs(r) for r in results])
    fig = Figure(figsize=(8, 3.2), dpi=100)
    left, right = fig.subplots(1, 2)
    left.plot(sizes, [r.ratio for r in results], "o-")
    left.set_xscale("log", base=2)
    left.set_xlabel("batch size")
    left.set_ylabel("train / predict per sample")
    right.plot(sizes, train, "o-", label="train")
    right.plot(sizes, predict, "o-", label="predict")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("batch size")
    right.set_ylabel("samples/s")
    right.legend()
    fig.suptitle(label, fontsize=9)
    fig.tight_layout()
    return _png(fig)
