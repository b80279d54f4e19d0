"""`keras-timing compare A B --fail-if-slower PCT` on launches whose answer
is known (event files written by the package's writer from step times of
known size), and on real fits at batch 16 against batch 256, where the
answer is what `compare --json` reads from the same folders (a test must
not assert the machine's speed)."""

import pytest

from keras_timing import cli
from keras_timing import schema
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter


def _launch(folder, ms, steps=40, batch=32):
    """A train run of `steps` steps of about `ms` each (+-5%, alternating),
    a first batch of 100 ms, written as the timer writes them."""
    w = RunWriter(str(folder / schema.TRAIN))
    rows = [(1, {schema.BATCH_MS: 100.0, schema.FIRST_BATCH_MS: 100.0,
                 schema.SAMPLES_PER_SEC: batch * 1e3 / 100.0})]
    for s in range(2, steps + 1):
        t = StepTime(s, s, ms * (1.05 if s % 2 else 0.95), 0.0, 0.0,
                     None, batch)
        rows.append((s, {schema.BATCH_MS: t.batch_ms,
                         schema.INPUT_WAIT_MS: 0.0,
                         schema.SAMPLES_PER_SEC: batch * 1e3 / t.interval_ms}))
    w.scalar_rows(rows)
    w.close()
    return str(folder)


@pytest.fixture
def known(tmp_path):
    return {ms: _launch(tmp_path / ("ms%g" % ms), ms) for ms in (2.0, 3.0)}


def test_a_run_slower_beyond_the_limit_fails(known, capsys):
    # B / A = 1.5, its interval tight around it: more than 20% slower.
    assert cli.main(["compare", known[2.0], known[3.0],
                     "--fail-if-slower", "20"]) == 1
    err = capsys.readouterr().err
    assert "train: FAIL: B / A 1.5 per sample" in err
    assert "slower than A by more than 20%" in err


def test_a_slowdown_within_the_limit_or_a_speedup_passes(known, capsys):
    # 50% slower, allowed 60%: the interval is not wholly above 1.6.
    assert cli.main(["compare", known[2.0], known[3.0],
                     "--fail-if-slower", "60"]) == 0
    assert "train: ok: B / A 1.5" in capsys.readouterr().err
    assert cli.main(["compare", known[3.0], known[2.0], "--json",
                     "--fail-if-slower", "0"]) == 0
    captured = capsys.readouterr()
    assert captured.out.lstrip().startswith("[")   # the JSON is untouched
    assert "train: ok: B / A 0.667" in captured.err


def test_the_same_launch_twice_passes_at_zero(known, capsys):
    assert cli.main(["compare", known[2.0], known[2.0],
                     "--fail-if-slower", "0"]) == 0
    assert "train: ok: B / A 1 per sample" in capsys.readouterr().err


@pytest.mark.parametrize("pct", ["-5", "x", "nan", "inf"])
def test_a_bad_percentage_exits_2_naming_the_flag(known, capsys, pct):
    assert cli.main(["compare", known[2.0], known[3.0],
                     "--fail-if-slower", pct]) == 2
    err = capsys.readouterr().err
    assert "--fail-if-slower takes a percentage of 0 or more" in err
    assert repr(pct) in err


def test_missing_folders_exit_2_not_1(tmp_path, capsys):
    assert cli.main(["compare", str(tmp_path / "a"), str(tmp_path / "b"),
                     "--fail-if-slower", "5"]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_real_fits_at_batch_16_against_256_follow_the_rule(
        batch_launches, capsys):
    """The article's dense model at batch 16 against batch 256: whatever
    the machine's speed (a busy machine moves it), the exit code and each
    run's line follow the figures `compare --json` reads from the same
    folders: FAIL exactly where the interval lies wholly above 1.5."""
    import json

    _, folders = batch_launches
    for a, b in ((256, 16), (16, 256)):
        assert cli.main(["compare", folders[a], folders[b], "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert {r["run"] for r in rows} >= {"train", "predict"}
        code = cli.main(["compare", folders[a], folders[b],
                         "--fail-if-slower", "50"])
        err = capsys.readouterr().err
        assert code == int(any(r["ratio_low"] > 1.5 for r in rows))
        for r in rows:
            assert r["ratio_low"] <= r["ratio"] <= r["ratio_high"]
            verdict = "FAIL" if r["ratio_low"] > 1.5 else "ok"
            assert "%s: %s: B / A %.3g per" % (r["run"], verdict,
                                               r["ratio"]) in err
