"""StepKind as lists and event files show it: by its name, and equal to
it, so `kind="first"` in a hand-made StepTime and `StepKind.FIRST` from the
clock are the same kind."""

from keras_timing import schema
from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime


def test_a_kind_shows_as_its_name_in_lists_and_text():
    assert repr([StepKind.FIRST, StepKind.PROFILED]) == "['first', 'profiled']"
    assert "%s, %r" % (StepKind.OVERLAP, StepKind.RECOMPILE) == (
        "overlap, 'recompile'")


def test_each_kind_has_its_own_tag_and_only_compiles_say_compiled():
    assert [k.tag for k in StepKind] == [
        schema.FIRST_BATCH_MS, schema.RECOMPILE_MS, schema.OVERLAP_MS,
        schema.PROFILED_MS]
    assert [k for k in StepKind if k.compiled] == [StepKind.FIRST,
                                                   StepKind.RECOMPILE]


def test_a_step_of_several_steps_spans_them_all():
    # steps_per_execution=4: steps 5-8, 2 ms batch and 0.5 ms wait each.
    t = StepTime(5, 8, 2.0, 0.5, 0.0, kind="first")
    assert (t.steps, t.interval_ms, t.is_first) == (4, 10.0, True)
    assert not StepTime(1, 1, 2.0, 0.0, 0.0).is_first
