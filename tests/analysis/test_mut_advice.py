"""What a verdict's advice says (`analysis.advice`), as the user reads it:
each run kind and backend gets its own list, every `keras-timing explain
--try` it names is a command the real command line accepts, and the epoch
starts are named from 10% of the run on, on hand-made summary fields."""

import math
import shlex

import pytest

from keras_timing import cli
from keras_timing.analysis import advice as advice_module
from keras_timing.analysis.advice import advice
from keras_timing.analysis.advice import epoch_start
from keras_timing.explanation import changes

EXPLAIN = "`keras-timing explain model.keras --try %s`"
# The lists a train or predict run gets, as the verdict line prints them.
HOST = [
    "run several steps per call and give each step more work: "
    + EXPLAIN % "steps_per_execution=8 --try batch_size=128",
    "compile the step where it is not: " + EXPLAIN % "jit_compile=true",
]
HOST_TORCH = [
    "a larger batch gives each step more work: "
    + EXPLAIN % "batch_size=128",
    "compile the step: " + EXPLAIN % "jit_compile=true" + " (torch.compile)",
]
COMPUTE = [
    "compile the step with XLA: " + EXPLAIN % "jit_compile=true",
    "on a GPU, mixed precision: `keras.mixed_precision.set_global_policy("
    "\"mixed_float16\")`",
    "a larger batch keeps the device busier: " + EXPLAIN % "batch_size=128",
]
INPUT = [
    "prefetch batches while the step runs: `dataset.prefetch("
    "tf.data.AUTOTUNE)`, or a `PyDataset(workers=4, "
    "use_multiprocessing=True)`",
    "read in parallel (`.map(f, num_parallel_calls=tf.data.AUTOTUNE)`) and "
    "cache what every epoch reads again (`dataset.cache()`)",
    "measure: time the run again and compare its input wait and ms per "
    "sample (`keras-timing report LOGDIR`)",
]
COMPILE = [
    "fixed shapes: a sample count divisible by batch_size, or "
    "`drop_remainder=True`, so the last partial batch does not compile "
    "again; the same input shapes in every call",
    "longer runs spread the first batch's compilation over more steps",
]
VALIDATION = [
    "validate less often (`fit(..., validation_freq=5)`), on fewer samples,"
    " or with a larger `validation_batch_size`",
]
FEWER_VALIDATION = (
    "validate less often (`fit(..., validation_freq=5)`) or in larger "
    "batches (`fit(..., validation_batch_size=128)`)")
FEWER_EVALUATE = "a larger batch: `model.evaluate(..., batch_size=128)`"
OWN_HOST = ("several steps per call: `model.compile(..., "
            "steps_per_execution=8)` (TensorFlow, JAX)")
OWN_COMPUTE = "compile with XLA: `model.compile(..., jit_compile=True)`"


@pytest.mark.parametrize("run", ["train", "predict", "predict_encoder",
                                 None, ""])
@pytest.mark.parametrize("data_in_step", [None, True])
def test_train_and_predict_get_explain_commands(run, data_in_step):
    # No run folder: advice for training, as the verdict of a bare summary.
    assert advice("host", run, data_in_step) == HOST
    assert advice("compute", run, data_in_step) == COMPUTE


@pytest.mark.parametrize("run", ["train", "predict_head"])
def test_torch_is_never_told_to_run_several_steps_per_call(run):
    # torch's trainer refuses steps_per_execution > 1.
    assert advice("host", run, data_in_step=False) == HOST_TORCH
    assert advice("compute", run, data_in_step=False) == COMPUTE


@pytest.mark.parametrize("run", ["train", "predict", "validation",
                                 "evaluate_b", None])
@pytest.mark.parametrize("data_in_step", [None, True, False])
def test_input_compile_and_validation_do_not_depend_on_the_run(
        run, data_in_step):
    assert advice("input", run, data_in_step) == INPUT
    assert advice("compile", run, data_in_step) == COMPILE
    assert advice("validation", run, data_in_step) == VALIDATION


@pytest.mark.parametrize("data_in_step", [None, False])
def test_validation_and_evaluate_get_changes_to_their_own_loop(data_in_step):
    for run in ("validation", "validation_encoder"):
        assert advice("host", run, data_in_step) == [FEWER_VALIDATION,
                                                     OWN_HOST]
        assert advice("compute", run, data_in_step) == [FEWER_VALIDATION,
                                                        OWN_COMPUTE]
    for run in ("evaluate", "evaluate_encoder"):
        assert advice("host", run, data_in_step) == [FEWER_EVALUATE, OWN_HOST]
        assert advice("compute", run, data_in_step) == [FEWER_EVALUATE,
                                                        OWN_COMPUTE]


def _commands(lines):
    """The `keras-timing explain ...` commands named in advice lines."""
    return [part for line in lines for part in line.split("`")
            if part.startswith("keras-timing explain")]


@pytest.mark.parametrize("data_in_step", [None, True, False])
def test_every_explain_command_named_is_accepted(data_in_step):
    named = _commands(advice("host", "train", data_in_step)
                      + advice("compute", "predict", data_in_step))
    assert len(named) == 4
    parser, settings = cli.parser(), set()
    for command in named:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.model == "model.keras" and args.tries
        settings |= {changes.parse(t, "--try").setting for t in args.tries}
    assert ("steps_per_execution" in settings) == (data_in_step is not False)
    assert {"batch_size", "jit_compile"} <= settings


def test_each_call_returns_a_new_list():
    for bound, run in (("input", "train"), ("compile", "train"),
                       ("validation", "train"), ("host", "train"),
                       ("compute", "evaluate")):
        first = advice(bound, run)
        first.append("changed by the caller")
        assert "changed by the caller" not in advice(bound, run)
    got = epoch_start(_fields(call_ms=100.0, epoch_start_ms=50.0))
    got["advice"].append("changed by the caller")
    assert "changed by the caller" not in epoch_start(
        _fields(call_ms=100.0, epoch_start_ms=50.0))["advice"]


def _fields(**values):
    """A `get` over summary fields, NaN where missing (as the verdict's)."""
    return lambda key: values.get(key, math.nan)


EPOCH_ADVICE = [
    "build the input pipeline once, outside the epoch loop, and `cache()` "
    "what every epoch reads again",
    "a smaller shuffle buffer (`shuffle(buffer_size=...)` fills before the "
    "first batch of every epoch), and `prefetch(tf.data.AUTOTUNE)`",
]


def test_epoch_starts_with_their_gap_and_first_reads():
    # Steps hold 1000 - 200 = 800 ms; their first reads 25% of that: 200.
    got = epoch_start(_fields(call_ms=1000.0, outside_steps_ms=200.0,
                              epoch_start_ms=50.0, epoch_fetch_share=0.25))
    assert got == {
        "share": pytest.approx(0.25),
        "why": "epoch starts hold 25% of the run: 50 ms before their first "
               "steps and 200 ms in their first reads (at least 10%)",
        "advice": EPOCH_ADVICE}


def test_epoch_starts_without_the_time_outside_steps():
    # No outside time: the steps hold the whole 400 ms call; 10% of it.
    got = epoch_start(_fields(call_ms=400.0, epoch_fetch_share=0.1))
    assert got["share"] == pytest.approx(0.1)
    assert got["why"].startswith("epoch starts hold 10% of the run: 0 ms "
                                 "before their first steps and 40 ms in")


def test_epoch_starts_from_the_gap_alone():
    # 30 of 120 ms before the first steps; the first reads not measured.
    got = epoch_start(_fields(call_ms=120.0, outside_steps_ms=40.0,
                              epoch_start_ms=30.0))
    assert got["share"] == 0.25
    assert "30 ms before their first steps and 0 ms in" in got["why"]


def test_epoch_starts_are_named_from_a_tenth_of_the_run():
    assert advice_module.EPOCH_START_SHARE == 0.1
    # 10 of 100 ms: exactly the threshold, named.
    assert epoch_start(_fields(call_ms=100.0, epoch_start_ms=10.0))[
        "share"] == 0.1
    # 9.99 of 100 ms: below it.
    assert epoch_start(_fields(call_ms=100.0, epoch_start_ms=9.99)) is None
    # A read share alone, just below: 0.0999 of the 100 ms of steps.
    assert epoch_start(_fields(call_ms=100.0, outside_steps_ms=0.0,
                               epoch_fetch_share=0.0999)) is None


@pytest.mark.parametrize("call", [0.0, -5.0, math.nan])
def test_no_call_time_names_no_epoch_start(call):
    assert epoch_start(_fields(call_ms=call, epoch_start_ms=50.0,
                               epoch_fetch_share=0.5)) is None


def test_a_call_under_a_millisecond_can_be_all_epoch_start():
    # A 0.5 ms call, half of it before its first step.
    got = epoch_start(_fields(call_ms=0.5, epoch_start_ms=0.25))
    assert got["share"] == 0.5


def test_the_share_is_said_in_whole_percents():
    got = epoch_start(_fields(call_ms=1000.0, epoch_start_ms=606.0))
    assert got["why"].startswith("epoch starts hold 61% of the run: 606 ms")
    got = epoch_start(_fields(call_ms=1000.0, epoch_start_ms=600.0))
    assert got["why"].startswith("epoch starts hold 60% of the run: 600 ms")
