"""`keras-timing demo`, end to end, read back from what it wrote."""

import os

from conftest import read_scalars
from keras_timing import cli
from keras_timing import schema


def test_demo_writes_both_examples_and_prints_both_ratios(tmp_path, capsys):
    assert cli.main(["demo", "--log-dir", str(tmp_path), "--epochs", "1",
                     "--explain-steps", "3"]) == 0
    out = capsys.readouterr().out
    launches = sorted(os.listdir(tmp_path))
    assert len(launches) == 2 and launches[0].endswith("dense")
    for launch in launches:
        runs = set(os.listdir(tmp_path / launch))
        assert {schema.TRAIN, schema.VALIDATION, schema.PREDICT} <= runs
        train = read_scalars(str(tmp_path / launch / schema.TRAIN))
        assert train[schema.BATCH_MS][0][0] == 1
        assert schema.FLOPS_PER_SAMPLE in train
    assert "timer: a real fit vs predict" in out
    assert "explain: the compiled programs alone" in out
    assert out.count("fit vs predict, per sample") >= 2
