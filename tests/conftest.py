"""Shared helpers: small models and an independent reader (tbparse)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest


def pytest_report_header(config):
    import keras

    return "keras %s, backend %s" % (keras.__version__,
                                     keras.backend.backend())


@pytest.fixture(autouse=True)
def earlier_counts_landed():
    """FLOP counts queued before a test ("auto" ones wait for the process
    to be idle) land before it starts: one test's count never runs inside
    the next, where it would slow its steps or meet its wrapped profiler."""
    import sys

    counting = sys.modules.get("keras_timing.timer.counting")
    if counting is not None:
        counting.land()
    yield


@pytest.fixture
def dense():
    """The article's Example 1 on 320 samples (10 batches of 32)."""
    import keras

    from keras_timing import demo

    return demo.dense_example(keras, samples=320)


def read_scalars(run_dir):
    """`{tag: [(step, value), ...]}` of a run folder, read with tbparse."""
    from tbparse import SummaryReader

    df = SummaryReader(run_dir).scalars
    out = {}
    for tag, group in df.groupby("tag"):
        group = group.sort_values("step")
        out[tag] = list(zip(group.step.astype(int), group.value.astype(float)))
    return out


def read_text(run_dir):
    from tbparse import SummaryReader

    df = SummaryReader(run_dir).text
    return list(df.value)


def steps_of(points):
    return [s for s, _ in points]


def values_of(points):
    return np.array([v for _, v in points])
