"""README.md's verdict table is `verdict.table()`, and the rules apply in
its order."""

import math
import os

from analysis.verdict_runs import run
from keras_timing.analysis import verdict as v


def readme_table():
    """The rows of the verdict table in README.md's "Why is it slow?"."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Why is it slow?\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_table_is_the_rules_in_the_order_the_code_applies_them():
    rows = readme_table()
    assert rows == v.table().splitlines()
    cells = [[c.strip() for c in row.strip("|").split("|")]
             for row in rows[2:]]
    assert [c[1].strip("`") for c in cells] == [
        rule.bound or "no verdict" for rule in v.RULES]
    # Each threshold is written in the rows of the rules that read it, as
    # the constant is now.
    uses = {"COMPILE_SHARE": [1], "VALIDATION_SHARE": [2],
            "INPUT_WAIT_SHARE": [4], "INPUT_WAIT_MS": [4, 5],
            "EPOCH_END_SHARE": [5], "EPOCH_END_MS": [5],
            "HOST_STEP_MS": [6, 7, 10, 12], "FIXED_STEP_MS": [8],
            "COMPUTE_MFU": [8], "TINY_FLOPS_MS": [9, 11, 12]}
    for name, numbers in uses.items():
        value = getattr(v, name)
        shown = "%.0f%%" % (100 * value) if name.endswith("SHARE") or (
            name == "COMPUTE_MFU") else "%g ms" % value
        for number in numbers:
            assert shown in cells[number - 1][2], (name, cells[number - 1])


def test_the_rules_apply_in_the_table_order():
    # One run per rule that only it and the rules after it hold: each gets
    # its row's verdict, so the order of RULES is the order applied.
    cases = [
        run(first_batch_ms=600.0),
        run(run="train", first_batch_ms=0.0),  # with a validation run
        run(p50_ms=math.nan, ms_per_step=math.nan),
        run(input_wait_share=0.5, p50_ms=4.0, ms_per_step=4.0),
        run(data_epoch_end_ms=400.0, data_workers=2),
        run(mfu=math.nan),
        run(mfu=math.nan, p50_ms=4.0, ms_per_step=4.0),
        run(mfu=0.3),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.00001),
        run(),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.01),
        run(p50_ms=30.0, ms_per_step=30.0, mfu=0.00001),
    ]
    validation = {"validation": {"run": "validation", "call_ms": 400.0}}
    for i, (rule, case) in enumerate(zip(v.RULES, cases)):
        data_in_step = i != 8
        result = v.verdict(case, validation if i == 1 else None,
                           data_in_step)
        assert result["bound"] == rule.bound, (i + 1, result)
        assert result["why"] == rule.why(v.Figures(
            case, validation if i == 1 else None, data_in_step))
