"""`StepBlock.by_run` on blocks made from `StepTime`s (the columns of a
list, not a drain's), empty, of one step, of one run and of two; and
`StepBlock.timed` on hook times past the float range, which overflow to
inf without a numpy warning, as Python's floats do."""

import warnings

import pytest

from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.steps import StepTime


def _step(first, run, batch=1.0, samples=32):
    return StepTime(first, first, batch, 0.0, float(first), None, samples,
                    run=run, call=1)


def test_an_empty_block_has_no_run():
    assert StepBlock([]).by_run() == {}


def test_a_block_of_one_run_is_itself():
    one = StepBlock([_step(1, "train")])
    assert one.by_run() == {"train": one}
    assert one.by_run()["train"] is one
    three = StepBlock([_step(s, "predict") for s in (1, 2, 3)])
    (run,) = three.by_run().items()
    assert run[0] == "predict" and run[1] is three


def test_a_block_of_two_runs_splits_in_order_of_first_appearance():
    times = [_step(1, "val", 5.0), _step(1, "train", 1.0, None),
             _step(2, "val", 6.0), _step(2, "train", 2.0)]
    runs = StepBlock(times).by_run()
    assert list(runs) == ["val", "train"]
    val, train = runs["val"], runs["train"]
    assert isinstance(val, StepBlock) and isinstance(train, StepBlock)
    assert list(val) == [times[0], times[2]]
    assert list(train) == [times[1], times[3]]
    assert val.batch.tolist() == [5.0, 6.0]
    # Train's first step is of unknown size; validation's are all known.
    assert (train.unsized, val.unsized) == (True, False)
    assert train.samples.tolist() == [0, 32]
    assert val.call_numbers() == [1, 1]


def _timed(begins, ends, prevs):
    n = len(begins)
    return StepBlock.timed(list(range(1, n + 1)), list(range(1, n + 1)),
                           begins, ends, prevs, [False] * n, [None] * n,
                           [32] * n, ["train"] * n, [1] * n, [None] * n)


@pytest.mark.parametrize("begins, ends, prevs, batch, wait", [
    # A step of 1e306 s is 1e309 ms: inf, after a wait of 0.
    ([0.0], [1e306], [0.0], float("inf"), 0.0),
    # A wait of 1e306 s before a step of 1 s.
    ([1e306], [1e306 + 1e300], [0.0], 1e303, float("inf")),
])
def test_times_past_the_float_range_are_inf_without_a_warning(
        begins, ends, prevs, batch, wait):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        block = _timed(begins, ends, prevs)
    assert block.batch.tolist() == [pytest.approx(batch)]
    assert block.wait.tolist() == [wait]


def test_infinite_hook_times_give_no_step_time_and_no_warning():
    # inf - inf is no number: the step takes no time (its end is not
    # after its start), and numpy says nothing, as for the overflow.
    inf = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        block = _timed([inf], [inf], [inf])
    assert block.batch.tolist() == [0.0]


def test_a_drained_block_of_unknown_and_measured_steps():
    # Row 0: a call of 2 steps of unknown size, nothing measured; row 1:
    # one step of 32 samples that measured a 4 ms fetch. 0.1 s each.
    block = StepBlock.timed([1, 3], [2, 3], [0.0, 0.2], [0.2, 0.3],
                            [0.0, 0.2], [False, False], [None, None],
                            [None, 32], ["train", "train"], [1, 1],
                            [None, {"fetch_ms": 4.0}])
    assert block.unsized is True
    # An unknown size holds 0 in the column: no samples of its own.
    assert block.samples.tolist() == [0, 32]
    # A measured figure is a column of the block, not an odd step.
    assert block.odd == [] and block.values == [None, {"fetch_ms": 4.0}]
    one, two = block
    assert (one.samples, one.values, one.batch_ms) == (None, None,
                                                       pytest.approx(100.0))
    assert (two.samples, two.values) == (32, {"fetch_ms": 4.0})
