"""Why a run has no counted step, pass by pass (`fit_predict.PassNotes`):
the sentence the ratio's note prints, on hand-made steps."""

from keras_timing.analysis.fit_predict import PassNotes
from keras_timing.analysis.steps import StepTime


def _notes(passes):
    """`passes`: one list of step kinds per pass (None: counted)."""
    notes, step = PassNotes(), 0
    for kinds in passes:
        for i, kind in enumerate(kinds):
            step += 1
            notes.add(StepTime(step, step, 1.0, 0.0, 0.0, kind,
                               opens=i == 0))
    return notes


def test_recompiles_are_named_by_their_position_in_the_pass():
    notes = _notes([["first", "recompile", "recompile", "recompile",
                     "recompile"], ["first"]])
    # Positions 2-5 recompiled; only the first three are kept.
    assert notes.why("train") == (
        "train had no step that did not compile: an epoch of 5 steps whose "
        "second and third and step 4 recompiled, an epoch of 1 step")


def test_steps_a_compile_hid_or_the_profiler_held_are_said():
    notes = _notes([["first", "overlap", "overlap", "profiled"],
                    ["first", "profiled"]])
    assert notes.why("predict") == (
        "predict had no counted step: a call of 4 steps whose 2 a compile "
        "hid, 1 profiled, a call of 2 steps whose 1 profiled")


def test_only_the_first_passes_are_kept_and_counted_steps_count():
    notes = _notes([["first", None]] + [["first"]] * 5)
    assert len(notes.passes) == 3
    assert [p[:2] for p in notes.passes] == [[2, 1], [1, 0], [1, 0]]
    assert notes.why("evaluate") == (
        "evaluate had no step that did not compile: a call of 2 steps, a "
        "call of 1 step, a call of 1 step")


def test_a_run_without_steps():
    assert PassNotes().why("train") == (
        "train had no step that did not compile: no step")
