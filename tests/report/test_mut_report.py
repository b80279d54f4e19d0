"""`report()` (`keras_timing.report`) on launches written by hand with
`RunWriter` as the timer leaves them: the runs', workers' and captures'
order, which folders are a chief's, the timer's end-of-call scalars and
calls, the verdict's inputs (the backend's `data_in_step`, the capture it
names), the launch's fields and the error. No Keras."""

import json
import math
import os

import pytest

from keras_timing import report
from keras_timing import schema
from keras_timing.events.writer import RunWriter
from keras_timing.report import text

SUMMARY = schema.SUMMARY_SCALARS


def _run(folder, ms, wait=0.0, n=8, last=None, calls=()):
    """A first batch of 300 ms, then `n` steps of `ms` + `wait` ms of 32
    samples; `last`: end-of-call summary scalars (`{field: value}`) at the
    last step; `calls`: `(call_ms, outside_ms)` per call."""
    rows = [(1, {schema.BATCH_MS: 300.0, schema.FIRST_BATCH_MS: 300.0,
                 schema.EPOCH_START_MS: 0.0})]
    for s in range(2, n + 2):
        rows.append((s, {schema.BATCH_MS: ms, schema.INPUT_WAIT_MS: wait,
                         schema.SAMPLES_PER_SEC: 32e3 / (ms + wait)}))
    if last:
        rows[-1][1].update({SUMMARY + k: v for k, v in last.items()})
    for i, (call, outside) in enumerate(calls):
        rows[i][1].update({schema.CALL_MS: call,
                           schema.OUTSIDE_STEPS_MS: outside})
    w = RunWriter(str(folder))
    w.scalar_rows(rows)
    w.close()


def _capture(run_dir, session="s1"):
    folder = os.path.join(str(run_dir), "torch_traces", session)
    os.makedirs(folder)
    path = os.path.join(folder, "host.pt.trace.json")
    with open(path, "w") as f:
        f.write("{}")
    return path


@pytest.fixture
def launch(tmp_path):
    """Runs and workers whose folder names sort unlike the report's order
    (the folders are walked by name)."""
    l = tmp_path / "l"
    _run(l / "predict", 1.0)
    _run(l / "predict" / "worker_1", 1.5)
    _run(l / "predict_encoder", 0.5)
    _run(l / "train", 2.0)
    _run(l / "train" / "worker_10", 4.0, wait=1.0)
    _run(l / "train" / "worker_2", 3.0)
    _run(l / "validation", 1.0)
    for run in ("predict", "train", "train/worker_10", "train/worker_2",
                "validation"):
        _capture(l / run)
    return tmp_path


def test_runs_workers_and_captures_in_the_reports_order(launch):
    (found,) = report.report(str(launch))
    assert list(found["runs"]) == ["train", "validation", "predict",
                                   "predict_encoder"]
    assert list(found["captures"]) == ["train", "train/worker_2",
                                       "train/worker_10", "validation",
                                       "predict"]
    assert found["captures"]["train/worker_2"][0]["file"] == os.path.join(
        str(launch), "l", "train", "worker_2", "torch_traces", "s1",
        "host.pt.trace.json")
    assert list(found["workers"]) == ["train", "predict"]
    spread = found["workers"]["train"]
    assert spread["workers"] == 3 and spread["steps_compared"] == 8
    assert list(spread["straggler"]) == ["worker_0", "worker_2", "worker_10"]
    # worker_10 waits longest for its batch at every step.
    assert spread["straggler"]["worker_10"] == 8
    assert spread["max_spread_ms"] == 2.0
    assert found["workers"]["predict"]["max_spread_ms"] == 0.5
    # The chief's own figures, not a worker's.
    assert found["runs"]["train"]["p50_ms"] == 2.0
    assert found["runs"]["predict"]["p50_ms"] == 1.0
    # 2 ms against 1 ms a step of 32 samples.
    assert found["fit_predict_ratio"] == pytest.approx(2.0)
    assert "Workers of train: 3 workers" in text.to_text([found])


def test_the_launch_fields(launch):
    (found,) = report.report(str(launch))
    assert set(found) == {
        "launch", "runs", "fit_predict_ratio", "fit_predict_ratio_low",
        "fit_predict_ratio_high", "fit_predict_ratio_basis",
        "fit_predict_ratio_note", "samples_scope",
        "fit_predict_ratio_partial", "captures", "workers"}
    assert found["launch"] == "l"
    assert found["fit_predict_ratio_basis"] == "per sample"
    assert found["fit_predict_ratio_note"] is None
    assert found["fit_predict_ratio_partial"] is False
    assert all(s["partial"] is False for s in found["runs"].values())
    assert found["samples_scope"] == "global"
    assert {s["samples_scope"] for s in found["runs"].values()} == {"global"}
    back = json.loads(json.dumps(text.to_json_ready([found])))[0]
    assert back["runs"]["train"]["partial"] is False


def test_workers_without_points_or_without_a_chief_are_not_compared(
        tmp_path):
    l = tmp_path / "l"
    _run(l / "train", 2.0)
    w = RunWriter(str(l / "train" / "worker_1"))
    w.scalars(1, {schema.CALL_MS: 5.0, schema.OUTSIDE_STEPS_MS: 0.0})
    w.close()
    _capture(l / "train" / "worker_1")
    _run(l / "evaluate" / "worker_1", 2.0)
    (found,) = report.report(str(tmp_path))
    assert "workers" not in found
    assert list(found["runs"]) == ["train"]
    # A worker's capture is listed even where its points are not.
    assert list(found["captures"]) == ["train/worker_1"]


def test_launches_by_name_each_with_its_own_captures(tmp_path):
    _run(tmp_path / "b" / "train", 2.0)
    _run(tmp_path / "a" / "train", 3.0)
    _capture(tmp_path / "b" / "train")
    a, b = report.report(str(tmp_path))
    assert (a["launch"], b["launch"]) == ("a", "b")
    assert a["captures"] == {} and list(b["captures"]) == ["train"]


@pytest.mark.parametrize("scope, said", [(0.0, "process"), (1.0, "global")])
def test_the_samples_scope_the_timer_wrote(tmp_path, scope, said):
    _run(tmp_path / "l" / "train", 2.0, last={"samples_global": scope})
    _run(tmp_path / "l" / "predict", 1.0, last={"samples_global": scope})
    (found,) = report.report(str(tmp_path))
    assert found["samples_scope"] == said
    assert found["runs"]["train"]["samples_scope"] == said


def test_calls_are_summed_and_a_long_validation_bounds_train(tmp_path):
    # fit's calls 1000 + 600 ms (its 300 ms first batch under half of
    # them); validation's 400 + 200 = 600 ms, 37.5% of fit.
    _run(tmp_path / "l" / "train", 2.0,
         calls=[(1000.0, 10.0), (600.0, 5.0)])
    _run(tmp_path / "l" / "validation", 1.0,
         calls=[(400.0, 1.0), (200.0, 1.0)])
    (found,) = report.report(str(tmp_path))
    train = found["runs"]["train"]
    assert (train["call_ms"], train["outside_steps_ms"]) == (1600.0, 15.0)
    assert train["verdict"]["bound"] == "validation"
    assert train["verdict"]["why"] == (
        "validation 600 ms, 38% of fit's 1600 ms (at least 30%)")


# A 6 ms step whose FLOPs need almost nothing and no input wait measured:
# the read is inferred inside the step, unless the backend reads the batch
# before the step (data_in_step 0, torch), where the read was measured.
TINY = {"mfu": 0.0004}


@pytest.mark.parametrize("data_in_step, bound", [
    (None, "input"), (1.0, "input"), (math.nan, "input"), (0.0, "host")])
def test_the_verdict_takes_the_backends_data_in_step(tmp_path,
                                                     data_in_step, bound):
    last = dict(TINY)
    if data_in_step is not None:
        last["data_in_step"] = data_in_step
    _run(tmp_path / "l" / "train", 6.0, last=last)
    (found,) = report.report(str(tmp_path))
    verdict = found["runs"]["train"]["verdict"]
    assert verdict["bound"] == bound
    if bound == "input":
        assert verdict["why"].startswith("inferred: ")
    else:
        assert verdict["why"].endswith("(input wait 0%, measured)")


def test_an_inferred_verdict_names_the_runs_last_capture(tmp_path):
    run = tmp_path / "l" / "train"
    _run(run, 6.0, last=TINY)
    _capture(run, "s1")
    last = _capture(run, "s2")
    _run(tmp_path / "l" / "predict", 6.0, last=TINY)
    _capture(tmp_path / "l" / "predict", "s0")
    (found,) = report.report(str(tmp_path))
    assert found["runs"]["train"]["verdict"]["why"].endswith(
        "the input-pipeline page of the capture %s in TensorBoard's Profile "
        "tab" % last)


def test_no_timer_run_is_an_error_naming_what_was_looked_for(tmp_path):
    w = RunWriter(str(tmp_path / "l" / "train"))
    w.scalars(1, {schema.CALL_MS: 5.0})
    w.close()
    with pytest.raises(report.ReportError) as caught:
        report.report(str(tmp_path))
    assert str(caught.value) == (
        "no keras_timing runs (train/validation/evaluate/predict with "
        "timing/batch_ms) under %s" % tmp_path)
