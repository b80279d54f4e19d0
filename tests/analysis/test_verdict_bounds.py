"""The `compute` rule's FIXED_STEP_MS boundary, by its `why`: a step whose
FLOPs need exactly FIXED_STEP_MS at peak is compute-bound by that rule; just
below, a long step is compute-bound by a later rule (kernels at a low
efficiency) with another reason, so asserting the bound alone cannot tell
the two rules apart."""

import pytest

from keras_timing.analysis import verdict as v


def _run(mfu, step_ms):
    """A run of `step_ms` steps at `mfu` of peak: no compile, no
    validation, no input wait to decide first."""
    return {"run": "train", "call_ms": 1e6, "first_batch_ms": 60.0,
            "recompiles": 0, "recompile_ms": 0.0, "input_wait_share": 0.0,
            "p50_ms": step_ms, "ms_per_step": step_ms, "mfu": mfu}


def test_flops_needing_exactly_the_fixed_step_time_are_compute_by_it():
    # 0.5% of peak of a 200 ms step: its FLOPs need 0.005 * 200 = 1 ms.
    at = v.verdict(_run(0.005, 200.0))
    assert at["bound"] == "compute"
    assert at["why"].startswith("0.5% of peak; its FLOPs need 1 ms of the "
                                "200 ms ")
    assert at["why"].endswith(" step (at least 1 ms, or 20% of peak)")


@pytest.mark.parametrize("mfu", [0.00499, 0.0025])
def test_just_below_the_fixed_step_time_a_long_step_is_slow_kernels(mfu):
    # 0.00499 * 200 = 0.998 ms, 0.0025 * 200 = 0.5 ms: under 1 ms, over
    # TINY_FLOPS_MS (0.05 ms), in a step above HOST_STEP_MS (3 ms).
    below = v.verdict(_run(mfu, 200.0))
    assert below["bound"] == "compute"
    assert "at least 1 ms" not in below["why"]
    assert below["why"].endswith(
        "median step 200 ms, above the fixed per-step overhead (3 ms): the "
        "compiled step's kernels run at a low efficiency")


def test_a_short_step_just_below_is_host():
    # 0.4 * 2.4 = 0.96 ms under 1 ms, 40% of peak above COMPUTE_MFU: the
    # share decides; at 0.19 of peak neither holds and a 2.4 ms step is
    # the loop's fixed overhead.
    assert "(at least 1 ms, or 20% of peak)" in v.verdict(
        _run(0.4, 2.4))["why"]
    host = v.verdict(_run(0.19, 2.4))
    assert host["bound"] == "host"
    assert "the size of Keras's fixed per-step overhead" in host["why"]
