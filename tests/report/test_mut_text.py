"""The report as text and as strict JSON (`report.text`) on a launch
written by hand with `RunWriter` and read back by `report()`: the exact
header, rows, ratio line, verdict block, partial note, workers' and
captures' lines. No Keras (the mutation runs use this file)."""

import json
import math

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.analysis.steps import StepKind
from keras_timing.report import text
from report.test_compare_known import _steps
from report.test_compare_known import _write

FIRST = [(1, 300.0, 0.0, 32, StepKind.FIRST, 1, True)]


@pytest.fixture
def launch(tmp_path):
    """Train: a first batch, then steps of 3 + 1 ms; predict: 1 + 1 ms."""
    _write(tmp_path / "l" / schema.TRAIN, FIRST + _steps(3.0, n=8))
    _write(tmp_path / "l" / schema.PREDICT, FIRST + _steps(1.0, n=8))
    (found,) = report.report(str(tmp_path))
    return found


def _block(out, first):
    """The lines of `out` from the one starting with `first` to a blank."""
    lines = out.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = lines.index("", at)
    return lines[at:end]


def test_the_launch_in_full_order(launch):
    out = text.to_text([launch])
    assert out.startswith("## l\n\n| run | steps | p50 ms |")
    rows = [line for line in out.split("\n") if line.startswith("| ")]
    # steps counts every step, the first batch too.
    assert [r.split(" | ")[:6] for r in rows[1:]] == [
        ["| train", "9", "3", "3", "3", "300"],
        ["| predict", "9", "1", "1", "1", "300"]]
    # 4 ms a step of 32 samples against 2 ms: exactly 2x, always.
    assert "a training step costs 2.00x (95%: 2-2x) a predict step" in out
    assert "partial" not in out
    verdict_lines = _block(out, "Verdicts")
    assert verdict_lines[0] == "Verdicts (what bounds each run):"
    assert [v.split(":")[0] for v in verdict_lines[1:]] == [
        "- train", "- predict"]
    for line, run in zip(verdict_lines[1:], ("train", "predict")):
        v = launch["runs"][run]["verdict"]
        assert line.startswith("- %s: %s-bound: %s; try: %s" % (
            run, v["bound"], v["why"], v["advice"][0]))
    assert out.endswith("\n")


def test_two_launches_one_after_the_other(launch):
    other = dict(launch, launch="m")
    out = text.to_text([launch, other])
    assert out.index("## l\n") < out.index("## m\n")
    assert out.count("Verdicts (what bounds each run):") == 2
    assert text.to_text([]) == ""


def test_a_run_without_a_verdict_has_no_line_and_none_no_block(launch):
    del launch["runs"]["predict"]["verdict"]
    out = text.to_text([launch])
    assert "- train: " in out and "- predict: " not in out
    for s in launch["runs"].values():
        s.pop("verdict", None)
    assert "Verdicts" not in text.to_text([launch])


def test_a_partial_run_is_marked_in_its_row_and_explained(launch):
    launch["runs"]["predict"]["partial"] = True
    out = text.to_text([launch])
    assert "| predict (partial) | 9 |" in out
    assert "| train | 9 |" in out
    assert ("\npartial: predict: an event file is damaged; the figures hold "
            "only the steps read before the damage\n") in out
    launch["fit_predict_ratio_partial"] = True
    launch["runs"]["train"]["partial"] = True
    assert ("partial: train, predict: an event file is damaged; the figures "
            "hold only the steps read before the damage; the fit vs predict "
            "ratio rests on a partial run\n") in text.to_text([launch])
    # The summary itself is left as it was: only the text is marked.
    assert launch["runs"]["predict"]["run"] == "predict"


def test_partial_note_without_a_partial_ratio():
    assert text.partial_note({}, ["a", "b"]) == (
        "partial: a, b: an event file is damaged; the figures hold only the "
        "steps read before the damage")


def test_the_ratio_line_takes_the_launchs_basis_interval_and_note(launch):
    launch.update(fit_predict_ratio=3.0, fit_predict_ratio_basis="per step",
                  fit_predict_ratio_low=2.5, fit_predict_ratio_high=3.5,
                  fit_predict_ratio_note="a note")
    out = text.to_text([launch])
    assert ("\nfit vs predict, per step, compilation and warm-up left out: a "
            "training step costs 3.00x (95%: 2.5-3.5x) a predict step\n"
            "  a note\n") in out
    for key in ("fit_predict_ratio_basis", "fit_predict_ratio_low",
                "fit_predict_ratio_high", "fit_predict_ratio_note"):
        del launch[key]
    out = text.to_text([launch])
    assert ("\nfit vs predict, per sample, compilation and warm-up left out: "
            "a training step costs 3.00x a predict step\n\n") in out


def test_workers_in_full(launch):
    launch["workers"] = {"train": {
        "workers": 3, "steps_compared": 12, "p50_spread_ms": 1.234,
        "p90_spread_ms": 2.5, "max_spread_ms": 10.0,
        "straggler": {"worker_0": 1, "worker_1": 9, "worker_2": 2},
        "per_worker": {"worker_0": {"p50_batch_ms": 4.0,
                                    "p50_input_wait_ms": 0.125},
                       "worker_1": {"p50_batch_ms": 3.0,
                                    "p50_input_wait_ms": 1.5}}}}
    assert _block(text.to_text([launch]), "Workers of") == [
        "Workers of train: 3 workers, 12 steps compared; batch_ms spread "
        "(slowest minus fastest worker at a step) p50 1.23, p90 2.50, max "
        "10.00 ms",
        "  straggler (the worker the others waited for: longest input wait, "
        "shortest batch), steps: worker_1 9, worker_2 2, worker_0 1",
        "  worker_0: batch p50 4.00 ms, input wait p50 0.12 ms",
        "  worker_1: batch p50 3.00 ms, input wait p50 1.50 ms"]


def test_captures_in_full(launch):
    launch["captures"] = {
        "train": [{"steps": [12, 13], "file": "a/t.xplane.pb",
                   "bytes": 2345,
                   "step_ms": [{"step": 12, "profiler_ms": 1.5,
                                "timer_batch_ms": 1.25},
                               {"step": 13, "profiler_ms": 2.0,
                                "timer_batch_ms": math.nan}]}],
        "predict": [{"steps": None, "file": "b/h.pt.trace.json",
                     "bytes": 100}, {"steps": [1, 1], "file": "c",
                                     "bytes": 1000000}]}
    out = text.to_text([launch])
    assert _block(out, "Profiler captures of train") == [
        "Profiler captures of train:",
        "- steps 12-13, a/t.xplane.pb (2.3 kB)",
        "  step 12: profiler 1.500 ms, timer batch_ms 1.250",
        "  step 13: profiler 2.000 ms, timer batch_ms nan"]
    assert _block(out, "Profiler captures of predict") == [
        "Profiler captures of predict:",
        "- steps ?, b/h.pt.trace.json (0.1 kB)",
        "- steps 1-1, c (1000.0 kB)"]
    assert out.index("of train") < out.index("of predict")


def test_json_ready_is_strict_json_with_nan_as_null():
    result = {"a": [math.nan, 1.5, {"b": math.nan, "c": "x"}], "d": 2,
              "e": math.inf, "f": None, "g": [[math.nan]]}
    ready = text.to_json_ready(result)
    assert ready == {"a": [None, 1.5, {"b": None, "c": "x"}], "d": 2,
                     "e": math.inf, "f": None, "g": [[None]]}
    assert json.loads(json.dumps(text.to_json_ready(
        {"a": [math.nan]}), allow_nan=False)) == {"a": [None]}
    assert text.to_json_ready(math.nan) is None
    assert text.to_json_ready(3) == 3


def test_a_whole_report_as_strict_json(launch):
    dumped = json.dumps(text.to_json_ready([launch]), allow_nan=False)
    back = json.loads(dumped)
    assert back[0]["runs"]["train"]["first_batch_ms"] == 300.0
    assert back[0]["runs"]["train"]["steps"] == 9
