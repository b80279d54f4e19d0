"""The explanation's pictures for TensorBoard's Images tab, as PNG bytes.

Matplotlib's `Figure`, not `pyplot`: no global state, no GUI backend.

Example:

>>> from keras_timing.explanation.result import Explanation
>>> png, width, height = shares_png(Explanation.example())
>>> png[:4], width
(b'\\x89PNG', 640)
"""

import io


def _png(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf)
    w, h = canvas.get_width_height()
    return buf.getvalue(), w, h


def throughputs(result):
    """`(train, predict)` samples per second of an `Explanation`."""
    return (result.batch_size * 1e3 / result.train_step_ms,
            result.batch_size * 1e3 / result.predict_step_ms)


def shares_png(result):
    """A bar chart of the stage shares: `(png_bytes, width, height)`.

    Args:
        result: An `Explanation`.
    """
    from matplotlib.figure import Figure

    names = list(result.stages_ms)[::-1]
    shares = [100 * result.shares[n] for n in names]
    fig = Figure(figsize=(6.4, 0.45 * len(names) + 1.4), dpi=100)
    ax = fig.add_subplot()
    bars = ax.barh(names, shares, color="tab:orange")
    for bar, n in zip(bars, names):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                " %.3f ms" % result.stages_ms[n], va="center", fontsize=8)
    ax.set_xlabel("share of the training step (%)")
    ax.set_xlim(0, max(shares + [1]) * 1.3)
    ax.set_title("%s: train step %.3f ms = %.1fx predict per sample"
                 % (result.model_name, result.train_step_ms, result.ratio),
                 fontsize=9)
    fig.tight_layout()
    return _png(fig)


def sweep_png(label, results):
    """Per-sample ratio and throughput against batch size.

    Args:
        label: The model's label, the figure's title.
        results: `Explanation`s of that model at several batch sizes.
    """
    from matplotlib.figure import Figure

    results = sorted(results, key=lambda r: r.batch_size)
    sizes = [r.batch_size for r in results]
    train, predict = zip(*[throughputs(r) for r in results])
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
