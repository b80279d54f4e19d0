"""measure(): what runs, how often, in which order; split(): merging."""

import numpy as np
import pytest

from keras_timing.explanation import measure


class FakePrograms:
    """Records every call instead of running a model."""

    def __init__(self):
        self.calls = []
        self.stages = [(n, self._program(n)) for n in ("a", "b", "c")]
        self.train_step = self._program("train_function")
        self.predict_step = self._program("predict_function")
        self.synced = 0

    def _program(self, name):
        return lambda batch: self.calls.append((name, batch)) or name

    def sync(self, out):
        self.synced += 1


def test_every_program_runs_warmup_plus_steps_times_in_shuffled_rounds():
    p = FakePrograms()
    timed = measure.measure(p, ["b0", "b1"], steps=6, warmup=2, seed=1)
    names = ["a", "b", "c", "train_function", "predict_function"]
    assert sorted(timed) == sorted(names)
    assert all(len(t) == 6 for t in timed.values())
    assert p.synced == len(p.calls) == 5 * 8
    rounds = [p.calls[10 + 5 * r:15 + 5 * r] for r in range(6)]
    # Each round runs every program once, on that round's batch...
    for r, calls in enumerate(rounds):
        assert sorted(n for n, _ in calls) == sorted(names)
        assert {b for _, b in calls} == {"b%d" % (r % 2)}
    # ...in an order that changes between rounds.
    assert len({tuple(n for n, _ in calls) for calls in rounds}) > 1


def rounds(*medians):
    return {name: np.full(3, m) for name, m in zip("abcd", medians)}


def costs(spans, timed):
    return {k: measure.figures(a, b, timed)[0] for k, (a, b) in spans.items()}


def test_split_takes_differences_of_cumulative_programs():
    timed = rounds(1, 3, 6)
    spans, merged = measure.split("abc", timed, {})
    assert spans == {"a": (None, "a"), "b": ("a", "b"), "c": ("b", "c")}
    assert costs(spans, timed) == {"a": 1, "b": 2, "c": 3}
    assert merged == {}


def test_a_program_faster_than_its_prefix_is_merged_keeping_the_sum():
    timed = rounds(1, 3, 2.5, 5)
    spans, merged = measure.split("abcd", timed, {})
    assert costs(spans, timed) == {"a": 1, "b+c": 1.5, "d": 2.5}
    assert "c measured 0.500 ms faster" in merged["b+c"]


def test_merges_chain_and_replace_earlier_reasons():
    timed = rounds(1, 3, 2.5, 2)
    spans, merged = measure.split("abcd", timed, {"b": "backend"})
    assert spans == {"a": (None, "a"), "b+c+d": ("a", "d")}
    assert list(merged) == ["b+c+d"]


def test_spread_comes_from_per_round_differences():
    timed = {"a": np.array([1.0, 1.0, 1.0, 1.0]),
             "b": np.array([2.0, 4.0, 2.0, 4.0])}
    _, p10, p90, _ = measure.figures("a", "b", timed)
    assert p10 == pytest.approx(1.0) and p90 == pytest.approx(3.0)


def test_the_interval_resamples_rounds_together():
    # A drift that hits both programs in the same round cancels out: the
    # interval of the difference is exactly 1 only if rounds are paired.
    rng = np.random.default_rng(0)
    before = rng.random(50) * 10
    timed = {"a": before, "b": before + 1.0}
    median, _, _, (low, high) = measure.figures("a", "b", timed)
    assert median == pytest.approx(1.0)
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0)


def test_the_interval_holds_the_median_and_narrows_with_rounds():
    rng = np.random.default_rng(0)
    widths = []
    for n in (20, 2000):
        timed = {"a": 5 + rng.standard_normal(n)}
        median, _, _, (low, high) = measure.figures(None, "a", timed)
        assert low <= median <= high
        widths.append(high - low)
    assert widths[1] < widths[0] / 3
