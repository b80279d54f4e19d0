"""`worker_spread` on workers' steps of known times: which steps are
compared, the spread's quantiles, the straggler counts and each worker's
medians, worked out by hand. Pure: no Keras, no event files."""

import math

from keras_timing.analysis.steps import StepKind
from keras_timing.analysis.steps import StepTime
from keras_timing.report.workers import worker_spread


def _t(step, batch, wait, kind=None):
    return StepTime(step, step, batch, wait, 0.0, kind, 32)


def test_two_workers_over_known_steps():
    # Step 1 is a first batch (left out); worker_1 has no step 5, so
    # steps 2, 3, 4 are compared. Spreads: |4-1| = 3, |2-2| = 0, |9-3| = 6.
    w0 = [_t(1, 80.0, 0.0, StepKind.FIRST), _t(2, 4.0, 0.5), _t(3, 2.0, 0.1),
          _t(4, 9.0, 0.2), _t(5, 1.0, 0.0)]
    w1 = [_t(1, 90.0, 0.0, StepKind.FIRST), _t(2, 1.0, 3.0), _t(3, 2.0, 0.4),
          _t(4, 3.0, 0.1)]
    s = worker_spread({"worker_0": w0, "worker_1": w1})
    assert s["workers"] == 2
    assert s["steps_compared"] == 3
    # Sorted spreads [0, 3, 6]: p50 the element at int(0.5 * 3) = 1,
    # p90 at int(0.9 * 3) = 2.
    assert s["p50_spread_ms"] == 3.0
    assert s["p90_spread_ms"] == 6.0
    assert s["max_spread_ms"] == 6.0
    # Longest input wait: step 2 worker_1, step 3 worker_1, step 4 worker_0.
    assert s["straggler"] == {"worker_0": 1, "worker_1": 2}
    assert s["per_worker"] == {
        "worker_0": {"p50_batch_ms": 4.0, "p50_input_wait_ms": 0.2},
        "worker_1": {"p50_batch_ms": 2.0, "p50_input_wait_ms": 0.4}}


def test_workers_are_ordered_by_number_not_by_name():
    # worker_10 after worker_2 (as numbers), whatever the dict's order.
    one = [_t(2, 1.0, 0.0)]
    s = worker_spread({"worker_10": one, "worker_2": one, "worker_0": one})
    assert list(s["straggler"]) == ["worker_0", "worker_2", "worker_10"]
    assert list(s["per_worker"]) == ["worker_0", "worker_2", "worker_10"]
    # Equal waits: the first in that order is named.
    assert s["straggler"] == {"worker_0": 1, "worker_2": 0, "worker_10": 0}


def test_a_step_only_some_workers_have_is_not_compared():
    s = worker_spread({"worker_0": [_t(2, 5.0, 0.0), _t(3, 5.0, 0.0)],
                       "worker_1": [_t(3, 1.0, 2.0)],
                       "worker_2": [_t(3, 2.0, 1.0)]})
    assert s["workers"] == 3
    assert s["steps_compared"] == 1
    assert s["max_spread_ms"] == 4.0
    assert s["straggler"] == {"worker_0": 0, "worker_1": 1, "worker_2": 0}
    assert s["per_worker"]["worker_0"]["p50_batch_ms"] == 5.0


def test_only_first_batches_left_out_other_kinds_compared():
    w0 = [_t(2, 7.0, 0.0, StepKind.RECOMPILE)]
    w1 = [_t(2, 1.0, 0.0, StepKind.PROFILED)]
    assert worker_spread({"worker_0": w0, "worker_1": w1})[
        "max_spread_ms"] == 6.0


def test_nothing_in_common_gives_nan_figures_and_zero_counts():
    s = worker_spread({"worker_0": [_t(1, 9.0, 0.0, StepKind.FIRST)],
                       "worker_1": [_t(2, 1.0, 0.0)]})
    assert s["workers"] == 2 and s["steps_compared"] == 0
    assert all(math.isnan(s[k]) for k in ("p50_spread_ms", "p90_spread_ms",
                                          "max_spread_ms"))
    assert s["straggler"] == {"worker_0": 0, "worker_1": 0}
    assert all(math.isnan(v) for w in s["per_worker"].values()
               for v in w.values())


def test_ten_steps_quantiles_pick_the_sorted_elements():
    # Spreads 0, 1, ..., 9 (worker_1 slower by the step's index), given in
    # reverse so the quantile has to sort them: p50 is element 5, p90
    # element 9 (int(0.9 * 10)), not an interpolation.
    w0 = [_t(s, 10.0, 0.0) for s in range(11, 1, -1)]
    w1 = [_t(s, 10.0 + s - 2, 1.0) for s in range(11, 1, -1)]
    s = worker_spread({"worker_0": w0, "worker_1": w1})
    assert (s["p50_spread_ms"], s["p90_spread_ms"], s["max_spread_ms"]) == (
        5.0, 9.0, 9.0)
    assert s["per_worker"]["worker_1"]["p50_batch_ms"] == 15.0
    assert s["straggler"] == {"worker_0": 0, "worker_1": 10}


def test_a_single_step_quantiles_are_that_step():
    s = worker_spread({"worker_0": [_t(4, 3.0, 0.0)],
                       "worker_1": [_t(4, 1.0, 0.0)]})
    assert (s["p50_spread_ms"], s["p90_spread_ms"]) == (2.0, 2.0)


def test_p90_is_below_the_max_from_eleven_steps():
    # Spreads 0..19: p90 is element int(0.9 * 20) = 18, the max 19.
    w0 = [_t(s, 1.0, 0.0) for s in range(2, 22)]
    w1 = [_t(s, 1.0 + s - 2, 0.0) for s in range(2, 22)]
    s = worker_spread({"worker_0": w0, "worker_1": w1})
    assert (s["p50_spread_ms"], s["p90_spread_ms"], s["max_spread_ms"]) == (
        10.0, 18.0, 19.0)
