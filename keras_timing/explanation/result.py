"""`Explanation`: what `explain` measured, as numbers, a table and a sentence.

Example:

>>> r = Explanation.example()
>>> r.ratio
2.0
>>> print(r.sentence())
A training step costs 2.0x a predict step per sample: backward 50%, forward 30%, dispatch 20%.
"""

import math
import textwrap
import warnings
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

from keras_timing.analysis.summary import percent

# Below this the sum check cannot tell a real gap from timer resolution and
# the Python call around each program.
ABSOLUTE_TOLERANCE_MS = 0.05

# What each printed row is, printed under the table (a stage's row is its
# name; `docs/explain.md` says more).
LEGEND = (
    "dispatch: calling a compiled program and waiting for it, no work "
    "inside (predict pays it too); forward, loss, backward, optimizer, "
    "metrics: each stage's extra time over the program without it; "
    "a+b: stages that could not be told apart (see Merged)",
    "train step (sum): the stages added up; model.train_function: the "
    "model's own compiled step, timed alike; predict step: the model's own "
    "predict_function on the same batch",
    "fit: input wait: per step of a short real fit, device idle between "
    "steps (data, callbacks, the loop); fit: batch - step: that fit's "
    "median batch time minus model.train_function (Python and data "
    "hand-over around the step; may be below 0 when they overlap)",
    "95% low, high: bootstrap interval of the median over the timed "
    "rounds; a stage whose interval reaches below 0 is within the noise "
    "(more steps narrow it)",
)

VARIANTS_TITLE = (
    "Variants (each a clone recompiled with one change, timed in the same "
    "rounds as an unchanged clone; speedup = the unchanged clone's train ms "
    "per sample / the variant's, with its 95% bootstrap interval):")

# Old name -> new name, kept for one release (0.1.x) with a warning.
_RENAMED = {"phases_ms": "stages_ms", "phases_p10_ms": "stages_p10_ms",
            "phases_p90_ms": "stages_p90_ms"}


@dataclass
class Explanation:
    """What a training step of one model spends its time on, per batch.

    All times are milliseconds per batch of `batch_size` samples: medians
    over `steps` timed rounds, warm-up and compilation left out.

    Attributes:
        stages_ms: Stage name to median ms, in step order; merged stages are
            named `a+b` (see `merged`).
        stages_p10_ms, stages_p90_ms: Spread of each stage: percentiles of
            the per-round differences between its program and the previous.
        stages_ci_ms: Stage name to `(low, high)`, a 95% bootstrap interval
            of its median (printed instead of p10/p90); `full_step_ci_ms`
            and `predict_step_ci_ms` the same for those figures.
        merged: Merged stage name to the reason it could not be split.
        train_step_ms: Sum of `stages_ms`: the whole-step program's median.
        full_step_ms: The model's own `train_function`, measured alike.
        tolerance_ms: How far `train_step_ms` may be from `full_step_ms`.
        sum_check_ok: Whether it is within `tolerance_ms`; None with no
            stages to sum.
        no_stages: None, or why there are no stages (a model that
            overrides `train_step`): `stages_ms` is then empty and
            `train_step_ms` is `full_step_ms`, the whole step.
        predict_step_ms: The model's own `predict_function` on one batch.
        fit_step_ms: Median batch time inside a real `fit` (the timer's).
        input_wait_ms: Per step of that `fit`, time between steps when the
            device was idle (data, callbacks, the loop).
        overhead_ms: `fit_step_ms - full_step_ms`: what `fit` adds around
            the compiled step inside the batch.
        notes: What the reader should know about this measurement: a
            failed sum check, the training steps explain ran and the
            variables it put back (or could not).
        variants: One dict per change asked of `explain(variants=...)`:
            `change`, `train_ms_per_sample`, `predict_ms_per_sample`,
            `speedup`, `speedup_low`, `speedup_high`, `error` (see
            `variants.rows`); empty when none was asked.
        variants_baseline: The unchanged clone's `train_ms_per_sample` and
            `predict_ms_per_sample`, which the speedups are relative to.
        train_flops, predict_flops: FLOPs of one step on one batch, from
            `keras_timing.profiling`'s counter; None where it cannot tell.

    Example:

    >>> Explanation.example().stages_ms["backward"]
    0.5
    """

    model_name: str
    backend: str
    device: str
    jit_compile: bool
    batch_size: int
    steps: int
    stages_ms: dict
    stages_p10_ms: dict
    stages_p90_ms: dict
    merged: dict
    train_step_ms: float
    full_step_ms: float
    full_step_p10_ms: float
    full_step_p90_ms: float
    tolerance: float
    tolerance_ms: float
    sum_check_ok: bool
    predict_step_ms: float
    predict_step_p10_ms: float
    predict_step_p90_ms: float
    fit_step_ms: float
    input_wait_ms: float
    overhead_ms: float
    notes: list = field(default_factory=list)
    stages_ci_ms: dict = field(default_factory=dict)
    full_step_ci_ms: tuple = (math.nan, math.nan)
    predict_step_ci_ms: tuple = (math.nan, math.nan)
    variants: list = field(default_factory=list)
    variants_baseline: dict = field(default_factory=dict)
    train_flops: float | None = None
    predict_flops: float | None = None
    no_stages: str | None = None

    @classmethod
    def example(cls) -> "Explanation":
        """A made-up result, for examples and tests of the formatting."""
        stages = {"dispatch": 0.2, "forward": 0.3, "backward": 0.5}
        return cls("mlp", "tensorflow", "CPU", False, 32, 50, stages,
                   dict(stages), dict(stages), {}, 1.0, 1.0, 0.9, 1.1, 0.15,
                   0.15, True, 0.5, 0.4, 0.6, 1.5, 0.1, 0.5,
                   stages_ci_ms={k: (v - 0.1, v + 0.1)
                                 for k, v in stages.items()},
                   full_step_ci_ms=(0.95, 1.05),
                   predict_step_ci_ms=(0.45, 0.55))

    def __getattr__(self, name):
        # Only reached for names the instance lacks: the old ones.
        if name in _RENAMED:
            warnings.warn("Explanation.%s is deprecated and goes in the next "
                          "release; use %s" % (name, _RENAMED[name]),
                          DeprecationWarning, stacklevel=2)
            return getattr(self, _RENAMED[name])
        raise AttributeError("%r object has no attribute %r"
                             % (type(self).__name__, name))

    @property
    def ratio(self) -> float:
        """Train over predict time per sample (same batch size for both)."""
        if not self.predict_step_ms > 0:
            return math.nan
        return self.train_step_ms / self.predict_step_ms

    @property
    def shares(self) -> dict:
        """Stage name to its fraction of `train_step_ms`."""
        total = self.train_step_ms
        return {k: (v / total if total > 0 else math.nan)
                for k, v in self.stages_ms.items()}

    def sentence(self) -> str:
        """The one-sentence answer: the ratio and the stages by share."""
        parts = ", ".join(
            "%s %.0f%%" % (k, 100 * s) for k, s in
            sorted(self.shares.items(), key=lambda kv: -kv[1]))
        if self.no_stages:
            parts = "its own train_step, timed whole (no stages)"
        return ("A training step costs %.1fx a predict step per sample: %s."
                % (self.ratio, parts))

    def check_line(self) -> str:
        """The sum check, in words (with no stages: why there are none)."""
        if self.no_stages:
            return "No stages: %s." % self.no_stages
        verdict = "agrees" if self.sum_check_ok else "does NOT agree"
        return ("The stages sum to %.3f ms; the model's own train step "
                "measured %.3f ms: %s within %.3f ms (max of %.0f%% and "
                "%.2f ms)." % (self.train_step_ms, self.full_step_ms,
                               verdict, self.tolerance_ms,
                               100 * self.tolerance, ABSOLUTE_TOLERANCE_MS))

    def _rows(self):
        rows = [(k, v) + tuple(self.stages_ci_ms.get(k, (None, None)))
                + (self.shares[k],) for k, v in self.stages_ms.items()]
        rows += [] if self.no_stages else [
            ("train step (sum)", self.train_step_ms, None, None, 1.0)]
        return rows + [
            ("model.train_function", self.full_step_ms)
            + tuple(self.full_step_ci_ms) + (None,),
            ("predict step", self.predict_step_ms)
            + tuple(self.predict_step_ci_ms) + (None,),
            ("fit: input wait", self.input_wait_ms, None, None, None),
            ("fit: batch - step", self.overhead_ms, None, None, None)]

    def _title(self):
        return ("%s on %s (%s, jit_compile=%s), batch %d, %d steps"
                % (self.model_name, self.backend, self.device,
                   self.jit_compile, self.batch_size, self.steps))

    def _footer(self):
        lines = [self.check_line()]
        lines += ["Merged %s: %s." % (k, v) for k, v in self.merged.items()]
        return lines + list(self.notes)

    def to_markdown(self) -> str:
        """The table, its legend, the check and the answer as Markdown."""
        out = ["**%s**" % self._title(), "",
               "| stage | ms/batch | 95% low | 95% high | share |",
               "|---|---:|---:|---:|---:|"]
        for name, v, lo, hi, share in self._rows():
            out.append("| %s | %s | %s | %s | %s |" % (
                name, _fmt(v), _fmt(lo), _fmt(hi),
                percent(share, missing="")))
        out += [""] + ["*%s*" % line for line in LEGEND]
        out += ["", self.sentence(), ""]
        if self.variants:
            out += [VARIANTS_TITLE, ""] + [
                "| " + " | ".join(cells) + " |"
                for cells in self._variant_cells()] + [""]
        out += ["- " + line for line in self._footer()]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict:
        """Plain values for JSON, the ratio and shares included (the
        renamed keys only: `stages_ms`, not `phases_ms`)."""
        d = asdict(self)
        d["ratio"] = self.ratio
        d["shares"] = self.shares
        d["sentence"] = self.sentence()
        return d

    def __str__(self):
        width = max(len(r[0]) for r in self._rows())
        out = [self._title(),
               "  %-*s %9s %9s %9s %7s" % (width, "stage", "ms/batch",
                                           "95% low", "95% high", "share")]
        for name, v, lo, hi, share in self._rows():
            out.append("  %-*s %9s %9s %9s %7s" % (
                width, name, _fmt(v), _fmt(lo), _fmt(hi),
                percent(share, missing="")))
        for line in LEGEND:
            out += textwrap.wrap(line, 78, initial_indent="  ",
                                 subsequent_indent="    ")
        if self.variants:
            cells = self._variant_cells()
            del cells[1]  # the Markdown rule
            # A failed row's reason runs on past the columns.
            fit = [c for c in cells if not c[1].startswith("failed")]
            widths = [max(len(c[i]) for c in fit)
                      for i in range(len(cells[0]))]
            widths[0] = max(len(c[0]) for c in cells)
            out += textwrap.wrap(VARIANTS_TITLE, 78)
            for row in cells:
                if row[1].startswith("failed"):
                    out.append("  %s  %s" % (row[0].ljust(widths[0]),
                                             row[1]))
                    continue
                out.append("  " + "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        out += self._footer()
        out.append(self.sentence())
        return "\n".join(out)

    def _variant_cells(self):
        """Header, Markdown rule and one row per variant, as strings; a
        failed variant's row says why instead of its figures."""
        base = self.variants_baseline
        def ms(v):  # ms per sample: four decimals
            return _fmt(v, "%.4f", "n/a")
        out = [["change", "train ms/sample", "speedup", "95% low",
                "95% high", "predict ms/sample"],
               ["---"] + ["---:"] * 5,
               ["(unchanged clone)", ms(base.get("train_ms_per_sample")),
                "1.00", "", "", ms(base.get("predict_ms_per_sample"))]]
        for v in self.variants:
            if v.get("error"):
                out.append([v["change"], "failed: " + v["error"], "", "",
                            "", ""])
                continue
            out.append([v["change"], ms(v["train_ms_per_sample"])] + [
                "%.2f" % v[k] for k in ("speedup", "speedup_low",
                                        "speedup_high")]
                + [ms(v["predict_ms_per_sample"])])
        return out


def _fmt(v, spec="%.3f", blank=""):
    return blank if v is None else ("n/a" if math.isnan(v) else spec % v)
