"""A measured step figure (`timing/fetch_ms`) from its declaration to the
event files and back: stats, decimator, summary, writer and the report read
only `analysis/figures.py`. Expected values are worked out by hand."""

import math

from keras_timing import schema
from keras_timing.analysis import figures
from keras_timing.analysis import summary as summary_text
from keras_timing.analysis.stats import RunStats
from keras_timing.analysis.steps import StepTime
from keras_timing.events.writer import RunWriter
from keras_timing.report import runs

from tests.conftest import read_scalars


def _step(n, batch, wait, fetch, kind=None, opens=False):
    return StepTime(n, n, batch, wait, float(n), kind, 32, 0.0,
                    opens=opens, values=None if fetch is None
                    else {"fetch_ms": fetch})


# One pass: a first step (left out), then three counted steps.
STEPS = [_step(1, 40.0, 0.0, 30.0, kind="first", opens=True),
         _step(2, 4.0, 1.0, 2.0),
         _step(3, 6.0, 0.0, 3.0),
         _step(4, 9.0, 0.0, None)]   # a step whose read was not measured


def test_fetch_is_declared_once_with_its_tag_share_and_summary_field():
    assert figures.FETCH in figures.MEASURED
    assert figures.FETCH.tag == schema.FETCH_MS == "timing/fetch_ms"
    assert "fetch_share" in figures.SUMMARY_FIELDS
    assert figures.FETCH.inside_batch


def test_fetch_share_is_its_sum_over_the_counted_steps_whole_time():
    stats = RunStats("train")
    points = stats.add(STEPS, final=True)
    s = stats.summary()
    # Counted steps 2-4: whole time (4+1) + 6 + 9 = 20 ms; fetch 2 + 3 = 5.
    assert s["fetch_share"] == 5.0 / 20.0
    assert s["input_wait_share"] == 1.0 / 20.0
    written = {step: v for step, v in points}
    assert written[1][schema.FETCH_MS] == 30.0
    assert written[2][schema.FETCH_MS] == 2.0
    assert schema.FETCH_MS not in written[4]
    assert "data read in step 25.0%" in summary_text.lines(s)[1]


def test_a_decimated_block_keeps_the_mean_fetch_per_step():
    stats = RunStats("train", full_steps=1, block_steps=3)
    points = stats.add(STEPS, final=True)
    merged = [v for step, v in points if step == 4]
    # Steps 2-4 merged: fetch (2 + 3 + 0) / 3 steps per step.
    assert merged[0][schema.FETCH_MS] == 5.0 / 3
    assert merged[0][schema.STEPS] == 3


def test_the_report_reads_fetch_back_from_the_event_files(tmp_path):
    stats = RunStats("train")
    writer = RunWriter(str(tmp_path / "train"))
    writer.scalar_rows(stats.add(STEPS, final=True))
    s = stats.summary()
    writer.scalars(4, {schema.SUMMARY_SCALARS + k: s[k]
                       for k in figures.SUMMARY_FIELDS
                       if k in s and s[k] == s[k]})
    writer.close()
    # An independent reader sees the tag...
    assert read_scalars(str(tmp_path / "train"))[schema.FETCH_MS] == [
        (1, 30.0), (2, 2.0), (3, 3.0)]
    # ...and the report rebuilds the steps' values and the summary field.
    times, summary = runs.load_run(str(tmp_path / "train"))
    assert [t.values for t in times] == [
        {"fetch_ms": 30.0}, {"fetch_ms": 2.0}, {"fetch_ms": 3.0}, None]
    assert math.isclose(summary["fetch_share"], 0.25, rel_tol=1e-6)
    rebuilt = RunStats("train")
    rebuilt.add(times, final=True)
    assert math.isclose(rebuilt.summary()["fetch_share"], 0.25,
                        rel_tol=1e-6)


def test_a_figure_no_step_measured_has_no_share_and_no_words():
    # torch, or TensorFlow's in-graph tf.data: no meter, so no reading at
    # all (not a reading of 0%).
    stats = RunStats("train")
    stats.add([_step(1, 40.0, 0.0, None, kind="first", opens=True),
               _step(2, 4.0, 1.0, None)], final=True)
    s = stats.summary()
    assert math.isnan(s["fetch_share"]) and s["input_wait_share"] == 0.2
    assert "data read in step" not in summary_text.lines(s)[1]
