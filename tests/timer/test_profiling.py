"""The timer's side of profiling: a capture bound once per call."""

import json
import os
import threading
import traceback

import keras
import pytest

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from keras_timing.profiling import session
from keras_timing.analysis.steps import StepKind
from keras_timing.timer.clock import Timeline

BACKEND = keras.backend.backend()


@pytest.mark.skipif(BACKEND != "jax", reason="Callback.model syncs JAX "
                    "state only on the jax backend")
def test_captured_steps_do_not_sync_the_model_state(tmp_path, monkeypatch):
    model, x, y = demo.dense_example(keras, samples=320)
    ours = []
    sync = type(model).jax_state_sync

    def counting(self):
        if any("keras_timing" in f.filename
               for f in traceback.extract_stack()):
            ours.append(1)
        return sync(self)

    monkeypatch.setattr(type(model), "jax_state_sync", counting)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_steps=(3, 6))
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              validation_split=0.2, callbacks=[timer])
    assert len(timer.profile_sessions) == 1
    assert ours == []


def test_a_capture_without_a_keras_frame_is_never_taken_for_dead(tmp_path):
    """A custom loop calling the hooks: no fit frame to watch, so the
    writer thread must not stop the capture as an orphan."""
    model, _, _ = demo.dense_example(keras, samples=32)
    timer = FitPredictTimer(log_dir=str(tmp_path), launch_name="loop",
                            verbose=0, batch_size=32, profile_steps=(2, 4))
    timer.set_model(model)
    timer.set_params({"epochs": 1, "steps": 6, "verbose": 0})
    timer.on_train_begin()
    timer.on_epoch_begin(0)
    for batch in range(6):
        timer.on_train_batch_begin(batch)
        if batch == 2:
            other = threading.Thread(target=session.stop_orphans)
            other.start()
            other.join()
            # Not taken for dead: nothing saved, the capture goes on
            # (its sidecar, below, marks steps 2-4).
            assert timer.profile_sessions == []
        timer.on_train_batch_end(batch, {"loss": 0.5})
    timer.on_epoch_end(0, {"loss": 0.5})
    timer.on_train_end({"loss": 0.5})
    (saved,) = timer.profile_sessions
    with open(os.path.join(saved, schema.SIDECAR)) as f:
        assert json.load(f)["marked_steps"] == [2, 3, 4]


def test_profile_evaluate_steps_captures_evaluate_not_validation(tmp_path):
    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0,
                            profile_evaluate_steps=(3, 4))
    model.fit(x, y, epochs=1, batch_size=32, validation_split=0.5,
              verbose=0, callbacks=[timer])
    assert timer.profile_sessions == []      # validation is not profiled
    model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[timer])
    (saved,) = timer.profile_sessions
    assert os.sep + schema.EVALUATE + os.sep in saved
    with open(os.path.join(saved, schema.SIDECAR)) as f:
        meta = json.load(f)
    assert (meta["run"], meta["marker"], meta["marked_steps"]) == (
        "evaluate", "test", [3, 4])


# ---- Timeline.mark: which rows the profiler's work marks -------------------

def _line(steps, run="train"):
    line = Timeline(now=lambda: 0.0)
    line.anchor(run, 0.0, first_of_call=True)
    for s in steps:
        line.begin(run, s, t=float(s))
        line.end(run, s, t=s + 0.5, samples=32)
    return line


def _kinds(line):
    line.close()
    return {(t.run, t.first_step): t.kind for t in line.drain()}


def test_mark_gives_the_kind_to_its_steps_of_its_run_only():
    line = _line([1, 2])
    line.anchor("predict", 2.6, first_of_call=True)
    line.begin("predict", 1, t=2.7)
    line.end("predict", 1, t=2.8, samples=32)
    line.begin("train", 3, t=3.0)
    assert line.mark("train", 2, 3, StepKind.PROFILED) == 2
    line.end("train", 3, t=3.5, samples=32)
    kinds = _kinds(line)
    assert kinds == {("train", 1): StepKind.FIRST,
                     ("train", 2): StepKind.PROFILED,
                     ("predict", 1): StepKind.FIRST,
                     ("train", 3): StepKind.PROFILED}


def test_a_compile_outranks_the_profiler():
    line = _line([1])
    line.begin("train", 2, t=2.0)
    line.mark("train", 2, 2, StepKind.PROFILED)
    line.end("train", 2, t=2.5, samples=32)
    # The next begin says step 2 compiled: a recompile, not a profiled step.
    line.begin("train", 3, t=3.0, compiled=True)
    line.mark("train", 3, 3, StepKind.PROFILED)
    line.end("train", 3, t=3.5, samples=32)
    assert _kinds(line) == {("train", 1): StepKind.FIRST,
                            ("train", 2): StepKind.RECOMPILE,
                            ("train", 3): StepKind.PROFILED}


def test_drained_steps_are_not_marked():
    line = _line([1, 2])
    line.settle("train")
    assert [t.kind for t in line.drain()] == [StepKind.FIRST, None]
    assert line.mark("train", 1, 2, StepKind.PROFILED) == 0


def test_a_multi_step_call_is_marked_by_any_of_its_steps():
    # steps_per_execution=4: one row for steps 5-8, begun at step 5.
    line = _line([1])
    line.begin("train", 5, t=5.0)
    assert line.mark("train", 5, 8, StepKind.PROFILED) == 1
    line.end("train", 8, t=5.5, samples=128)
    assert _kinds(line)[("train", 5)] == StepKind.PROFILED
