"""The fit/predict ratio of a launch: its interval, and what to say of it.

The ratio is train over predict time per sample (`summary.ratio_and_basis`),
its 95% interval the bootstrap of `ratio.interval` over both runs' counted
points. Its note says why a ratio is missing (pass by pass: "predict had no
step that did not compile: a call of 1 step, ..."), which run needs more
steps where the interval is wider than +-25%, and when the machine was busy.

Example:

>>> fit_predict({"train": {"ms_per_sample": 1.0}}, {"train": None}).note
"no predict of the launch's model"
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from keras_timing.analysis.ratio import MIN_POINTS
from keras_timing.analysis.ratio import RESAMPLES
from keras_timing.analysis.ratio import SEED
from keras_timing.analysis.ratio import interval
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.summary import ratio_and_basis


_ORDINALS = ("first", "second", "third")
# Passes described where a run has no counted step.
PASSES_NOTED = 3


class PassNotes:
    """The first passes of a run (epochs of train, calls of the others):
    steps, counted steps, the positions that compiled again, steps a compile
    hid and profiled steps; bounded (the first `PASSES_NOTED` passes).

    >>> from keras_timing.analysis.steps import StepTime
    >>> notes = PassNotes()
    >>> for s, kind in ((1, "first"), (2, "first"), (3, "recompile")):
    ...     notes.add(StepTime(s, s, 1.0, 0.0, 0.0, kind, opens=s < 3))
    >>> notes.why("predict").split(": ")
    ['predict had no step that did not compile', 'a call of 1 step, a call \
of 2 steps whose second recompiled']
    """

    def __init__(self):
        self.passes = []
        self.opened = 0

    def add(self, t) -> None:
        """One step of the run, in order; those after the first
        `PASSES_NOTED` passes are not kept."""
        if t.opens or not self.opened:
            self.opened += 1
            if self.opened <= PASSES_NOTED:
                self.passes.append([0, 0, [], 0, 0])
        if self.opened > PASSES_NOTED:
            return
        p = self.passes[-1]
        if t.kind == StepKind.RECOMPILE and len(p[2]) < 3:
            p[2].append(p[0] + 1)
        n = t.steps
        p[0] += n
        p[1] += n * (t.kind is None)
        p[3] += n * (t.kind == StepKind.OVERLAP)
        p[4] += n * (t.kind == StepKind.PROFILED)

    def add_counted(self, steps: int) -> None:
        """`add` of counted steps, `steps` in all, that open no pass, after
        a step that did (the writer's bulk fold)."""
        if 0 < self.opened <= PASSES_NOTED:
            self.passes[-1][0] += steps
            self.passes[-1][1] += steps

    def why(self, run: str) -> str:
        """Why `run` has no counted step, pass by pass."""
        hidden = any(p[3] or p[4] for p in self.passes)
        word = "an epoch" if run == "train" else "a call"
        parts = []
        for steps, _, compiled, overlap, profiled in self.passes:
            text = "%s of %d step%s" % (word, steps, "s" * (steps != 1))
            said = [("%s recompiled" % " and ".join(
                _ORDINALS[i - 1] if i <= 3 else "step %d" % i
                for i in compiled))] if compiled else []
            if overlap:
                said.append("%d a compile hid" % overlap)
            if profiled:
                said.append("%d profiled" % profiled)
            parts.append(text + (" whose " + ", ".join(said) if said else ""))
        return "%s had no %s: %s" % (
            run, "counted step" if hidden else "step that did not compile",
            ", ".join(parts) or "no step")


# An interval wider than this either side of the ratio asks for more steps.
WIDE = 0.25


@dataclass(frozen=True)
class FitPredict:
    """The fit/predict ratio of a launch, its interval and what to say.

    `note`: why the ratio is missing, or what to know about it (a wide
    interval, a busy machine); None when there is nothing to say.
    """

    ratio: float
    low: float = math.nan
    high: float = math.nan
    basis: str = "per sample"
    note: str | None = None


def fit_predict(summaries: dict, stats: dict, resamples: int = RESAMPLES,
                seed: int = SEED) -> FitPredict:
    """Train over predict time per sample, with its interval and notes.

    Args:
        summaries: Summary dicts per run (`RunStats.summary`); `ratio` and
            `basis` as `summary.ratio_and_basis` gives them.
        stats: The `RunStats` of `train` and `predict` (their points and
            passes), where they exist.
        resamples: Bootstrap resamples.
        seed: Seed of the resampling.
    """
    value, basis = ratio_and_basis(summaries)
    runs = ("train", "predict")
    missing = [r for r in runs if r not in summaries or r not in stats]
    if missing:
        return FitPredict(value, basis=basis, note="no %s of the launch's "
                          "model" % " and no ".join(
                              "fit" if r == "train" else r for r in missing))
    if value != value:
        why = [stats[r].pass_notes.why(r) for r in runs
               if not stats[r].points(False).count]
        return FitPredict(value, basis=basis,
                          note="; ".join(why) or "a run's time is zero")
    per_sample = basis == "per sample"
    sides = [stats[r].points(per_sample) for r in runs]
    found = interval(*sides, resamples=resamples, seed=seed)
    notes = []
    if found is None:
        # The points held, not `seen`: a long run's few sized steps would
        # read as an estimate ("has 5") that contradicts "too few".
        notes.append("too few counted steps for an interval: %s" % ", ".join(
            "%s has %d" % (r, s.count) for r, s in zip(runs, sides)
            if s.count < MIN_POINTS))
        low = high = math.nan
    else:
        # The interval is the resampled one around the exact totals.
        scale = value / found.ratio
        low, high = found.low * scale, found.high * scale
        if high > value * (1 + WIDE) or low < value * (1 - WIDE):
            worse = int(found.spread[1] > found.spread[0])
            notes.append(
                "the interval is wider than +-%d%%: %s needs more steps "
                "(%d counted, +-%d%% on its own)" % (
                    WIDE * 100, runs[worse], sides[worse].seen or
                    sides[worse].count, round(100 * found.spread[worse])))
    busy = busy_note(summaries)
    if busy:
        notes.append(busy)
    return FitPredict(value, low, high, basis, "; ".join(notes) or None)


def busy_note(summaries: dict) -> str | None:
    """What the machine's load says of the train and predict calls, or
    None: a call is busy when the load (at its begin or end) was above the
    cores this process may use."""
    busy = [(r, summaries[r]) for r in ("train", "predict")
            if (summaries.get(r) or {}).get("busy_calls")]
    if not busy:
        return None
    return "the machine was busy (load above the cores this process may " \
        "use) during %s: other work may be in these figures" % ", ".join(
            "%d %s call%s (load %.1f per core)" % (
                s["busy_calls"], r, "s" * (s["busy_calls"] > 1),
                s.get("load_per_core", math.nan)) for r, s in busy)


def _nanmax(*values):
    return max((v for v in values if v == v), default=math.nan)


class CallLoad:
    """The machine's load per core at each call's begin and end (the
    timer samples it): a call is busy where either is above 1, other work
    competing for the cores the process may use.

    >>> load = CallLoad()
    >>> load.note(0.5, end=False); load.note(2.5, end=True)
    >>> load.fields()
    {'busy_calls': 1, 'load_per_core': 2.5}
    """

    def __init__(self):
        self.busy_calls = 0
        self.load_per_core = self._begin = math.nan

    def note(self, per_core: float, end: bool) -> None:
        """The load per core at a call's begin, or at its `end`."""
        if not end:
            self._begin = per_core
            return
        worst = _nanmax(per_core, self._begin)
        self.busy_calls += worst > 1
        self.load_per_core = _nanmax(worst, self.load_per_core)
        self._begin = math.nan

    def fields(self) -> dict:
        """`busy_calls` and the highest `load_per_core`, for the summary."""
        return {"busy_calls": self.busy_calls,
                "load_per_core": self.load_per_core}


@dataclass(frozen=True)
class SampleScope:
    """Whose samples a launch's steps count: every process's ("global")
    or this process's alone ("process"), in a job of `processes`; the
    ratio divides figures of one scope only.

    >>> SampleScope("process", 2).fields()["samples_global"]
    0.0
    """

    name: str = "global"
    processes: int = 1

    def fields(self) -> dict:
        """`samples_scope`, `samples_global` (1.0 or 0.0, the scalar the
        report reads back) and `processes`, for the summary."""
        return {"samples_scope": self.name,
                "samples_global": float(self.name == "global"),
                "processes": self.processes}
