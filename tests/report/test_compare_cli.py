"""`keras-timing compare` as a user runs it, on event files written by hand
with known answers: the whole text table, the JSON, `--fail-if-slower`, the
exit codes and what stderr says. No Keras (the mutation runs use this file).
"""

import argparse
import json

import pytest

from keras_timing import schema
from keras_timing.report import compare
from report.test_compare_known import _steps
from report.test_compare_known import _write

DIRECTION = (
    "ratio = B / A of ms per sample (batch + input wait; first batches, "
    "recompiles and warm-up left out); faster: B takes less time per sample "
    "than A (the whole 95% interval below 1), slower: more (above 1), no "
    "clear difference: the interval holds 1")


@pytest.fixture
def folders(tmp_path):
    """A: 3 + 1 ms per 32 samples; B: 1 + 1 ms (train) and per step of
    unknown size (predict); C: twice A's time. Validation in A only."""
    _write(tmp_path / "a" / schema.TRAIN, _steps(3.0))
    _write(tmp_path / "a" / schema.PREDICT, _steps(3.0))
    _write(tmp_path / "a" / schema.VALIDATION, _steps(3.0, n=1))
    _write(tmp_path / "b" / schema.TRAIN, _steps(1.0))
    _write(tmp_path / "b" / schema.PREDICT, _steps(1.0, samples=None))
    _write(tmp_path / "b" / schema.VALIDATION, _steps(3.0, n=1))
    _write(tmp_path / "c" / schema.TRAIN, _steps(7.0))
    return {k: str(tmp_path / k) for k in "abc"}


def test_the_text_table_in_full(folders, capsys):
    assert compare.main([folders["a"], folders["b"]]) == 0
    out, err = capsys.readouterr()
    # Train: 0.0625 / 0.125; predict per step: 2 / 4 ms. Validation has
    # one counted step a side: left out.
    assert out == "\n".join([
        "A: %s" % folders["a"], "B: %s" % folders["b"], DIRECTION,
        "(95% bootstrap interval over the steps, 2,000 resamples)", "",
        "| run | per | A ms | B ms | B / A | 95% interval | verdict |",
        "|---|---|---|---|---|---|---|",
        "| train | sample | 0.125 | 0.0625 | 0.5 | 0.5 - 0.5 | faster |",
        "| predict | step | 4 | 2 | 0.5 | 0.5 - 0.5 | faster |",
        "",
        "per step: a side's batch size is unknown, so ms are per step, not "
        "per sample",
        "",
        "left out, too few counted steps: validation"]) + "\n"
    assert err == ""


def test_json_rows_and_what_was_left_out_on_stderr(folders, capsys):
    assert compare.main([folders["a"], folders["b"], "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert [(r["run"], r["unit"], r["ratio"], r["verdict"]) for r in rows] \
        == [("train", "sample", 0.5, "faster"),
            ("predict", "step", 0.5, "faster")]
    assert err == ("keras-timing compare: left out, too few counted steps: "
                   "validation\n")


def test_fail_if_slower_fails_only_beyond_its_margin(folders, capsys):
    # C takes twice A's time: B / A = 2, its interval [2, 2].
    assert compare.main([folders["a"], folders["c"],
                         "--fail-if-slower", "10"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "keras-timing compare: --fail-if-slower 10: train: FAIL: B / A 2 "
        "per sample, 95% interval 2 - 2, above 1.1: B is slower than A by "
        "more than 10%\n")
    assert compare.main([folders["a"], folders["c"], "--json",
                         "--fail-if-slower", "100"]) == 0
    err = capsys.readouterr().err
    assert err == (
        "keras-timing compare: --fail-if-slower 100: train: ok: B / A 2 per "
        "sample, 95% interval 2 - 2, not wholly above 2: no slowdown of "
        "more than 100% shown\n")


@pytest.mark.parametrize("argv, message", [
    (["{a}", "{a}", "--fail-if-slower", "-5"],
     "--fail-if-slower takes a percentage of 0 or more (e.g. 5 for 5%), "
     "got '-5'"),
    (["{a}/none", "{b}"], "A: no such folder: {a}/none"),
    (["{a}", "{b}/none"], "B: no such folder: {b}/none"),
])
def test_errors_exit_2_saying_why_on_stderr(folders, capsys, argv, message):
    code = compare.main([arg.format(**folders) for arg in argv])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == "keras-timing compare: %s\n" % message.format(**folders)


def test_the_sub_command_is_registered_with_its_arguments(folders, capsys):
    parser = argparse.ArgumentParser(prog="keras-timing")
    compare.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["compare", folders["a"], folders["c"],
                              "--json", "--fail-if-slower", "5"])
    assert (args.a, args.b, args.json, args.fail_if_slower) == (
        folders["a"], folders["c"], True, "5")
    assert args.func(args) == 1
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "slower"
    help_text = parser.format_help()
    assert "compare" in help_text
    assert "is launch B faster than launch A, per run?" in help_text


def test_help_says_what_each_argument_is(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")     # argparse wraps at the width
    with pytest.raises(SystemExit) as exit_:
        compare.main(["-h"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in (
            "usage: keras-timing compare [-h] [--json] [--fail-if-slower "
            "PCT] a b",
            DIRECTION,
            "a launch folder A (or a log folder with one launch): the "
            "baseline",
            "b launch folder B: is it faster than A?",
            "--json print JSON",
            "--fail-if-slower PCT exit 1 when a run of B is slower per "
            "sample than A's by more than PCT percent with 95% confidence "
            "(its interval wholly above 1 + PCT/100); one line per run on "
            "stderr says why"):
        assert text in out, text


def test_each_unusable_pair_of_folders_is_named(tmp_path, capsys):
    both = tmp_path / "both"
    _write(both / "x" / schema.TRAIN, _steps(1.0))
    _write(both / "y" / schema.TRAIN, _steps(1.0))
    _write(tmp_path / "fit" / schema.TRAIN, _steps(1.0))
    _write(tmp_path / "fit" / schema.VALIDATION, _steps(1.0))
    _write(tmp_path / "pred" / schema.PREDICT, _steps(1.0))
    _write(tmp_path / "pred" / schema.EVALUATE, _steps(1.0))
    _write(tmp_path / "one" / schema.TRAIN, _steps(1.0, n=1))
    (tmp_path / "empty").mkdir()
    t = str(tmp_path)
    for argv, message in [
            ([t + "/both", t + "/fit"],
             "A: %s/both holds 2 launches (x, y); pass one launch folder" % t),
            ([t + "/fit", t + "/both"],
             "B: %s/both holds 2 launches (x, y); pass one launch folder" % t),
            ([t + "/empty", t + "/fit"],
             "A: no keras_timing runs under %s/empty" % t),
            ([t + "/fit", t + "/empty"],
             "B: no keras_timing runs under %s/empty" % t),
            ([t + "/fit", t + "/pred"],
             "no run in both launches: A has train, validation, B has "
             "evaluate, predict"),
            ([t + "/one", t + "/one"],
             "no counted steps to compare (first batches and recompiles are "
             "left out; at least 2 steps a side) in train")]:
        assert compare.main(argv) == 2, message
        assert capsys.readouterr().err == "keras-timing compare: %s\n" % (
            message)


def test_runs_in_the_reports_order_and_workers_not_mixed_in(tmp_path):
    for side, ms in (("a", 3.0), ("b", 1.0)):
        for run in (schema.PREDICT, schema.EVALUATE, schema.VALIDATION,
                    schema.TRAIN):
            _write(tmp_path / side / run, _steps(ms))
    # A worker's points are not B's: a slow one would move the ratio.
    _write(tmp_path / "b" / schema.TRAIN / "worker_1", _steps(500.0))
    rows, _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert [r["run"] for r in rows] == [schema.TRAIN, schema.VALIDATION,
                                        schema.EVALUATE, schema.PREDICT]
    assert {r["ratio"] for r in rows} == {0.5}


def test_one_sample_steps_and_a_ratio_between_one_and_two(tmp_path):
    # Batches of one sample: A 1 ms, B 1 + 0.5 ms per sample. B / A = 1.5
    # on every resample: slower, however close to 1 the interval is.
    _write(tmp_path / "a" / schema.TRAIN, _steps(1.0, wait=0.0, samples=1))
    _write(tmp_path / "b" / schema.TRAIN, _steps(1.0, wait=0.5, samples=1))
    (row,), _ = compare.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (row["unit"], row["a_ms_per_sample"], row["ratio"],
            row["verdict"]) == ("sample", 1.0, 1.5, compare.SLOWER)


def test_several_runs_left_out_and_a_per_sample_table(tmp_path, capsys):
    for side, ms in (("a", 3.0), ("b", 1.0)):
        _write(tmp_path / side / schema.TRAIN, _steps(ms))
        for run in (schema.EVALUATE, schema.PREDICT):
            _write(tmp_path / side / run, _steps(ms, n=1))
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert compare.main([a, b]) == 0
    out = capsys.readouterr().out
    assert out.endswith("| faster |\n\nleft out, too few counted steps: "
                        "evaluate, predict\n")
    assert "per step:" not in out
    assert compare.main([a, b, "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('[\n  {\n    "run": "train",\n')
    assert err == ("keras-timing compare: left out, too few counted steps: "
                   "evaluate, predict\n")
    for side in ("x", "y"):
        for run in (schema.TRAIN, schema.PREDICT):
            _write(tmp_path / side / run, _steps(1.0, n=1))
    assert compare.main([str(tmp_path / "x"), str(tmp_path / "y")]) == 2
    assert capsys.readouterr().err.endswith("in train, predict\n")


def test_runs_named_in_the_reports_order(tmp_path, capsys):
    # Alphabetical order would put evaluate first.
    _write(tmp_path / "a" / schema.VALIDATION, _steps(1.0))
    _write(tmp_path / "a" / schema.EVALUATE, _steps(1.0))
    _write(tmp_path / "b" / schema.PREDICT, _steps(1.0))
    _write(tmp_path / "b" / schema.TRAIN, _steps(1.0))
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err == (
        "keras-timing compare: no run in both launches: A has validation, "
        "evaluate, B has train, predict\n")


def test_the_sub_command_help(capsys, monkeypatch):
    import re

    monkeypatch.setenv("COLUMNS", "400")
    parser = argparse.ArgumentParser(prog="keras-timing")
    compare.add_parser(parser.add_subparsers(dest="command"))
    assert re.search(r"^\s+compare\s+is launch B faster than launch A, per "
                     r"run\?$", parser.format_help(), re.M)
    with pytest.raises(SystemExit):
        parser.parse_args(["compare", "-h"])
    assert DIRECTION in " ".join(capsys.readouterr().out.split())
