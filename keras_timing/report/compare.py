"""`keras-timing compare A B`: is launch B faster than launch A, per run?

Per run present in both launches, the time per sample of each is the total
of (batch + input wait) over the counted points (a call's first step,
recompiles and warm-up left out, as in the timer's summary) divided by their
samples, per step where a side does not know its samples. The ratio B / A gets a 95%
bootstrap interval (`analysis.ratio`, shared with the fit/predict ratio):
the counted points of each side are resampled with replacement and the
ratio of totals recomputed, `RESAMPLES` times with a fixed seed, so the same
folders always give the same answer. B is
"faster" when the whole interval is below 1 (B takes less time per sample),
"slower" when it is above 1, and "no clear difference" when it holds 1.

    >>> main(["/no/such/a", "/no/such/b"])
    2
"""

import argparse
import json
import os
import sys
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Sequence
from typing import Tuple

import numpy as np

from keras_timing.report import _run_order
from keras_timing.report import guard
from keras_timing.report.runs import ReportError
from keras_timing.report.runs import scan
from keras_timing.analysis.passes import steady
from keras_timing.analysis.ratio import LEVEL
from keras_timing.analysis.ratio import MIN_POINTS
from keras_timing.analysis.ratio import RESAMPLES
from keras_timing.analysis.ratio import SEED
from keras_timing.analysis.ratio import Points
from keras_timing.analysis.ratio import interval
from keras_timing.analysis.steps import StepTime
FASTER, SLOWER, SAME = "faster", "slower", "no clear difference"
DIRECTION = ("ratio = B / A of ms per sample (batch + input wait; first "
             "batches, recompiles and warm-up left out); %s: B takes less "
             "time per sample than A (the whole %d%% interval below 1), %s: "
             "more (above 1), %s: the interval holds 1"
             % (FASTER, LEVEL * 100, SLOWER, SAME))


class CompareError(ReportError):
    """Nothing to compare: folders missing, several launches, no run in
    common or no counted steps."""


def launch_runs(folder: str,
                name: str = "A") -> Dict[str, List[StepTime]]:
    """The runs of the one launch in `folder`: `{run: [StepTime]}`.

    Args:
        folder: A launch folder, or a log folder holding exactly one launch.
        name: How the error messages call this folder ("A" or "B").

    Raises:
        CompareError: no such folder, not a folder, no timer runs, or
            several launches (named).

    >>> launch_runs("/no/such/folder")
    Traceback (most recent call last):
    ...
    keras_timing.report.compare.CompareError: A: no such folder: /no/such/folder
    """
    try:
        scanned = scan(folder)
    except ReportError as e:
        raise CompareError("%s: %s" % (name, e)) from None
    launches: Dict[str, Dict[str, List[StepTime]]] = {}
    for launch, run, worker, _, times, _, _ in scanned.runs:
        if worker is None and times:
            launches.setdefault(launch, {})[run] = times
    if not launches:
        raise CompareError("%s: no keras_timing runs under %s"
                           % (name, folder))
    if len(launches) > 1:
        raise CompareError(
            "%s: %s holds %d launches (%s); pass one launch folder"
            % (name, folder, len(launches), ", ".join(sorted(launches))))
    return next(iter(launches.values()))


def _counted(times, per_sample):
    """`(ms, per)` arrays of the counted points: per sample over the points
    whose samples are known (as the timer's summary counts), else per step;
    warm-up left out as the summary leaves it out (`analysis.passes.steady`).
    """
    rows = [(t.interval_ms,
             t.samples if per_sample else t.steps)
            for t in steady(times) if t.kind is None
            and (not per_sample or (t.samples or 0) > 0)]
    return np.array(rows, dtype=float).reshape(-1, 2).T


def _knows_samples(times):
    return any(t.kind is None and (t.samples or 0) > 0 for t in times)


def compare_runs(a_times: Sequence[StepTime], b_times: Sequence[StepTime],
                 resamples: int = RESAMPLES,
                 seed: int = SEED) -> Optional[Dict[str, Any]]:
    """One run's row: ms per sample of A and B, B / A, its interval, verdict.

    Args:
        a_times: A's points (`StepTime`s) of the run.
        b_times: B's points of the same run.
        resamples: Bootstrap resamples.
        seed: Seed of the resampling, fixed so answers repeat.

    Returns None where a side has fewer than `MIN_POINTS` counted points.

    >>> from keras_timing.analysis.steps import StepTime
    >>> a = [StepTime(s, s, 2.0 + s % 2, 0.0, 0.0, None, 32) for s in range(8)]
    >>> b = [StepTime(s, s, 1.0 + s % 2, 0.0, 0.0, None, 32) for s in range(8)]
    >>> row = compare_runs(a, b)
    >>> row["ratio"], row["unit"], row["verdict"]
    (0.6, 'sample', 'faster')
    """
    per_sample = _knows_samples(a_times) and _knows_samples(b_times)
    a, b = (Points(*_counted(t, per_sample)) for t in (a_times, b_times))
    found = interval(b, a, resamples, seed)
    if found is None:
        return None
    low, high = found.low, found.high
    verdict = FASTER if high < 1 else SLOWER if low > 1 else SAME
    return {"a_ms_per_sample": a.total, "b_ms_per_sample": b.total,
            "ratio": float(found.ratio), "ratio_low": low, "ratio_high": high,
            "verdict": verdict, "unit": "sample" if per_sample else "step"}


def compare(a: str, b: str, resamples: int = RESAMPLES, seed: int = SEED
            ) -> Tuple[List[Dict[str, Any]], List[str]]:
    """Rows per run present in both launches, in the report's run order.

    Args:
        a: Launch folder A (or a log folder with one launch).
        b: Launch folder B, the one the verdict is about.
        resamples: Bootstrap resamples.
        seed: Seed of the resampling.

    Returns:
        `(rows, left_out)`: rows `{"run", "a_ms_per_sample",
        "b_ms_per_sample", "ratio", "ratio_low", "ratio_high", "verdict",
        "unit"}` ("unit" is "step" where a side's samples are unknown, and
        the `*_ms_per_sample` figures are then per step); `left_out` names
        the common runs with too few counted points.

    Raises:
        CompareError: a folder is unusable, no run is in both, or no common
            run has counted steps on both sides.
    """
    runs_a, runs_b = launch_runs(a, "A"), launch_runs(b, "B")
    common = sorted(set(runs_a) & set(runs_b), key=_run_order)
    if not common:
        raise CompareError(
            "no run in both launches: A has %s, B has %s"
            % (", ".join(sorted(runs_a, key=_run_order)),
               ", ".join(sorted(runs_b, key=_run_order))))
    rows, left_out = [], []
    for run in common:
        row = compare_runs(runs_a[run], runs_b[run], resamples, seed)
        if row is None:
            left_out.append(run)
        else:
            rows.append(dict(run=run, **row))
    if not rows:
        raise CompareError(
            "no counted steps to compare (first batches and recompiles are "
            "left out; at least %d steps a side) in %s"
            % (MIN_POINTS, ", ".join(left_out)))
    return rows, left_out


def to_text(rows: Sequence[Dict[str, Any]], left_out: Sequence[str] = (),
            a: str = "A", b: str = "B") -> str:
    """The rows as a markdown table, with the direction of the verdict.

    Args:
        rows: What `compare` returned first.
        left_out: Common runs without enough counted steps.
        a: Folder A, as the user named it.
        b: Folder B.

    >>> print(to_text([dict(run="train", a_ms_per_sample=0.03,
    ...     b_ms_per_sample=0.01, ratio=1 / 3, ratio_low=0.3,
    ...     ratio_high=0.36, verdict="faster", unit="sample")]).splitlines()[-1])
    | train | sample | 0.03 | 0.01 | 0.333 | 0.3 - 0.36 | faster |
    """
    lines = ["A: %s" % a, "B: %s" % b, DIRECTION,
             "(%d%% bootstrap interval over the steps, %s resamples)"
             % (LEVEL * 100, format(RESAMPLES, ",")), "",
             "| run | per | A ms | B ms | B / A | %d%% interval | verdict |"
             % (LEVEL * 100), "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s | %.4g | %.4g | %.3g | %.3g - %.3g | %s |" % (
            r["run"], r["unit"], r["a_ms_per_sample"], r["b_ms_per_sample"],
            r["ratio"], r["ratio_low"], r["ratio_high"], r["verdict"]))
    if any(r["unit"] == "step" for r in rows):
        lines.append("\nper step: a side's batch size is unknown, so ms "
                     "are per step, not per sample")
    if left_out:
        lines.append("\nleft out, too few counted steps: %s"
                     % ", ".join(left_out))
    return "\n".join(lines)


def _arguments(p):
    p.add_argument("a", help="launch folder A (or a log folder with one "
                             "launch): the baseline")
    p.add_argument("b", help="launch folder B: is it faster than A?")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--fail-if-slower", metavar="PCT",
                   help="exit 1 when a run of B is slower per sample than "
                        "A's by more than PCT percent with 95%% confidence "
                        "(its interval wholly above 1 + PCT/100); one line "
                        "per run on stderr says why")
    p.set_defaults(func=run)


def add_parser(subparsers: Any) -> None:
    """Registers `compare` on the `keras-timing` sub-commands.

    Args:
        subparsers: What `ArgumentParser.add_subparsers()` returned.
    """
    _arguments(subparsers.add_parser(
        "compare", help="is launch B faster than launch A, per run?",
        description=DIRECTION))


def run(args: argparse.Namespace) -> int:
    """Runs `compare` for parsed arguments; the exit code (2: an error;
    1: `--fail-if-slower` failed)."""
    limit = getattr(args, "fail_if_slower", None)
    try:
        pct = None if limit is None else guard.threshold(limit)
    except ValueError as e:
        print("keras-timing compare: %s" % e, file=sys.stderr)
        return 2
    try:
        rows, left_out = compare(args.a, args.b)
    except CompareError as e:
        print("keras-timing compare: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows, indent=2))
        if left_out:
            print("keras-timing compare: left out, too few counted steps: %s"
                  % ", ".join(left_out), file=sys.stderr)
    else:
        print(to_text(rows, left_out, os.path.normpath(args.a),
                      os.path.normpath(args.b)))
    if pct is None:
        return 0
    code, lines = guard.check(rows, pct)
    for line in lines:
        print("keras-timing compare: --fail-if-slower %g: %s" % (pct, line),
              file=sys.stderr)
    return code


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`keras-timing compare` alone: `main(["A", "B", "--json"])`."""
    p = argparse.ArgumentParser(prog="keras-timing compare",
                                description=DIRECTION)
    _arguments(p)
    args = p.parse_args(argv)
    return args.func(args)
