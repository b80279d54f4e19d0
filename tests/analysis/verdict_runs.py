"""The run of figures the verdict tests (test_verdict_*.py) start from."""


def run(**figures):
    """A run that no rule but the one under test can hold: 1 s of calls, a
    60 ms first batch, no input wait, a 10 ms step at 0.05% of peak."""
    base = {"run": "train", "call_ms": 1000.0, "first_batch_ms": 60.0,
            "recompiles": 0, "recompile_ms": 0.0, "input_wait_share": 0.0,
            "p50_ms": 0.5, "ms_per_step": 0.5, "mfu": 0.0005}
    base.update(figures)
    return base
