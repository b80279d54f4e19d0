"""RunWriter's files: the records the protobuf path writes, readable by
tensorboard and tbparse."""

import io
import os

from tbparse import SummaryReader
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from keras_timing import schema
from keras_timing.events import records
from keras_timing.events.writer import RunWriter
from keras_timing.events.writer import per_sample_layout

POINTS = [
    (1, {schema.BATCH_MS: 412.5, schema.INPUT_WAIT_MS: 3.25,
         schema.FIRST_BATCH_MS: 412.5}),
    (2, {schema.BATCH_MS: 1.29, schema.INPUT_WAIT_MS: 0.1,
         schema.SAMPLES_PER_SEC: 24000.0}),
    (10, {schema.BATCH_MS: 1.31, schema.INPUT_WAIT_MS: 0.12,
          schema.STEPS: 8.0, schema.MS_PER_SAMPLE: 0.04}),
]


def _records(path):
    found, reason = records.split(open(path, "rb").read())
    assert reason is None
    return found


def test_records_are_those_of_the_protobuf_path(tmp_path):
    w = RunWriter(str(tmp_path))
    for step, values in POINTS:
        w.scalars(step, values, wall_time=100.0 + step)
    w.scalar_rows(POINTS, wall_time=200.0)
    w.close()
    expected = io.BytesIO()
    reference = RecordWriter(expected)
    for wall, rows in [(None, POINTS), (200.0, POINTS)]:
        for step, values in rows:
            reference.write(event_pb2.Event(
                wall_time=100.0 + step if wall is None else wall, step=step,
                summary=summary_pb2.Summary(value=[
                    summary_pb2.Summary.Value(tag=t, simple_value=v)
                    for t, v in values.items()])).SerializeToString())
    first, *rest = _records(w.file_path)
    assert event_pb2.Event.FromString(first).file_version == "brain.Event:2"
    assert b"".join(map(records.frame, rest)) == expected.getvalue()


def test_text_image_and_layout_read_back(tmp_path):
    w = RunWriter(str(tmp_path))
    w.text(schema.SUMMARY_TEXT, 3, "| run | steps |")
    w.image("chart", 4, b"\x89PNG fake", 2, 1)
    w.layout(per_sample_layout("t", schema.MS_PER_SAMPLE,
                               schema.MS_PER_SAMPLE_P10,
                               schema.MS_PER_SAMPLE_P90))
    w.scalars(5, {schema.BATCH_MS: 2.0})
    w.close()
    assert os.path.basename(w.file_path).endswith(schema.EVENT_FILE_SUFFIX)
    reader = SummaryReader(str(tmp_path))
    assert list(reader.text.value) == ["| run | steps |"]
    assert list(reader.scalars.step) == [5]
    acc = event_accumulator.EventAccumulator(str(tmp_path)).Reload()
    assert acc.Tags()["tensors"] == [schema.SUMMARY_TEXT, "chart",
                                     "custom_scalars__config__"]


def test_nothing_is_written_before_the_first_event(tmp_path):
    w = RunWriter(str(tmp_path / "run"))
    w.flush()
    w.close()
    assert not os.path.exists(tmp_path / "run")
