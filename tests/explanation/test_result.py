"""Explanation: renamed fields, deprecated aliases, the printed forms."""

import dataclasses
import json
import warnings

import pytest

from keras_timing import Explanation as Exported
from keras_timing.explanation.api import Explanation as FromApi
from keras_timing.explanation.result import LEGEND
from keras_timing.explanation.result import Explanation


def example(**changes):
    return dataclasses.replace(Explanation.example(), **changes)


def test_the_class_is_exported_where_it_was():
    assert Exported is FromApi is Explanation


@pytest.mark.parametrize("old, new", [
    ("phases_ms", "stages_ms"), ("phases_p10_ms", "stages_p10_ms"),
    ("phases_p90_ms", "stages_p90_ms")])
def test_old_names_warn_and_read_the_new_fields(old, new):
    r = example(stages_ms={"dispatch": 1.0}, stages_p10_ms={"dispatch": 0.5},
                stages_p90_ms={"dispatch": 2.0})
    with pytest.warns(DeprecationWarning, match="use %s" % new):
        assert getattr(r, old) is getattr(r, new)
    with pytest.raises(AttributeError, match="no attribute 'phases'"):
        r.phases


def test_new_names_do_not_warn():
    r = example()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert r.stages_ms and r.stages_p10_ms and r.stages_p90_ms


def test_json_has_the_new_keys_only():
    d = json.loads(json.dumps(example().to_dict()))
    assert d["stages_ms"] == example().stages_ms
    assert "stages_p10_ms" in d and "stages_p90_ms" in d
    assert d["stages_ci_ms"]["backward"] == pytest.approx([0.4, 0.6])
    assert not [k for k in d if k.startswith("phases")]
    assert d["ratio"] == pytest.approx(2.0)


def test_every_printed_row_is_defined_under_the_table():
    r = example(stages_ms={"dispatch": 0.2, "forward+loss": 0.3,
                           "backward": 0.5},
                stages_p10_ms={"dispatch": 0.1, "forward+loss": 0.2,
                               "backward": 0.4},
                stages_p90_ms={"dispatch": 0.3, "forward+loss": 0.4,
                               "backward": 0.6},
                merged={"forward+loss": "fused"})
    text = str(r)
    legend = " ".join(LEGEND)
    table = text.split("\n")[2:2 + len(r.stages_ms) + 5]
    for line in table:
        name = line[2:].split("  ")[0].strip()
        assert all(part in legend for part in name.split("+")), name
    assert "95% low, high" in legend
    for line in LEGEND:
        assert line[:40] in " ".join(text.split())
    md = r.to_markdown()
    assert all("*%s*" % line in md for line in LEGEND)


def test_notes_and_merges_are_printed():
    r = example(merged={"forward+loss": "fused by the compiler"},
                notes=["a note"])
    for text in (str(r), r.to_markdown()):
        assert "Merged forward+loss: fused by the compiler." in text
        assert "a note" in text


def test_shares_and_sentence_follow_the_figures():
    r = example(stages_ms={"dispatch": 3.0, "backward": 1.0},
                train_step_ms=4.0, predict_step_ms=2.0)
    assert r.shares == {"dispatch": 0.75, "backward": 0.25}
    assert r.sentence() == ("A training step costs 2.0x a predict step per "
                            "sample: dispatch 75%, backward 25%.")
    assert example(predict_step_ms=0.0).ratio != example().ratio


def test_the_table_shows_the_interval_of_the_median_not_p10():
    r = example(stages_p10_ms={"dispatch": -9.0, "forward": -9.0,
                               "backward": -9.0})
    (row,) = [line for line in str(r).splitlines()
              if line.startswith("  backward")]
    assert row.split()[1:4] == ["0.500", "0.400", "0.600"]
    assert "-9.000" not in str(r) + r.to_markdown()
