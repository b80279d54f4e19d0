"""Buffered TensorBoard event writing, one writer per run folder.

Built on tensorboard's own protos and record framing (`RecordWriter`, the
layer under `EventFileWriter`), so it needs no TensorFlow. Nothing here runs
on the training thread's hot path: the callback hands over batches of
finished points and a `Flusher` thread (or a phase end) turns them into
events. `EventFileWriter` itself is not used because its own writer thread
takes a lock handoff per event, which doubled the CPU cost of a point (61 µs
against 27 µs here); our points are already written off the hot path.
"""

import itertools
import os
import socket
import threading
import time

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import metadata as custom_metadata
from tensorboard.plugins.image import metadata as image_metadata
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.summary.writer.record_writer import RecordWriter
from tensorboard.util import tensor_util

from keras_timing import schema

_file_ids = itertools.count()


def _open_event_file(folder):
    """A new event file, created exclusively: never truncates another."""
    os.makedirs(folder, exist_ok=True)
    while True:
        path = os.path.join(folder, "events.out.tfevents.%010d.%s.%d.%d%s" % (
            time.time(), socket.gethostname(), os.getpid(), next(_file_ids),
            schema.EVENT_FILE_SUFFIX))
        try:
            return path, open(path, "xb")
        except FileExistsError:
            continue


class RunWriter:
    """Appends events to one run folder, opening the event file on first use.

    Args:
        path: The run folder, e.g. `logs/<launch>/train`.

    Example:

    >>> import tempfile
    >>> w = RunWriter(tempfile.mkdtemp())
    >>> w.scalars(1, {"timing/batch_ms": 2.5})
    >>> w.close()
    """

    def __init__(self, path):
        self.path = path
        self.file_path = None
        self._writer = None
        self._lock = threading.Lock()

    def _add(self, summary, step, wall_time=None):
        with self._lock:
            if self._writer is None:
                self.file_path, handle = _open_event_file(self.path)
                self._writer = RecordWriter(handle)
                self._writer.write(event_pb2.Event(
                    wall_time=time.time(), file_version="brain.Event:2",
                ).SerializeToString())
            event = event_pb2.Event(
                wall_time=time.time() if wall_time is None else wall_time,
                step=int(step), summary=summary,
            )
            self._writer.write(event.SerializeToString())

    def scalars(self, step, values, wall_time=None):
        summary = summary_pb2.Summary(value=[
            summary_pb2.Summary.Value(tag=tag, simple_value=float(v))
            for tag, v in values.items()
        ])
        self._add(summary, step, wall_time)

    def text(self, tag, step, markdown):
        value = summary_pb2.Summary.Value(
            tag=tag,
            metadata=text_metadata.create_summary_metadata(display_name=tag, description=""),
            tensor=tensor_util.make_tensor_proto(markdown.encode("utf-8")),
        )
        self._add(summary_pb2.Summary(value=[value]), step)

    def image(self, tag, step, png, width, height):
        value = summary_pb2.Summary.Value(
            tag=tag,
            metadata=image_metadata.create_summary_metadata(
                display_name=tag, description="", converted_to_tensor=True),
            tensor=tensor_util.make_tensor_proto(
                [str(width).encode(), str(height).encode(), png]),
        )
        self._add(summary_pb2.Summary(value=[value]), step)

    def layout(self, layout):
        """Writes a custom-scalars layout (a `layout_pb2.Layout`)."""
        value = summary_pb2.Summary.Value(
            tag=custom_metadata.CONFIG_SUMMARY_TAG,
            metadata=custom_metadata.create_summary_metadata(),
            tensor=tensor_util.make_tensor_proto(layout.SerializeToString()),
        )
        self._add(summary_pb2.Summary(value=[value]), 0)

    def flush(self):
        with self._lock:
            if self._writer is not None:
                self._writer.flush()

    def close(self):
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def __del__(self):
        # A timer dropped without its last phase end still closes its file.
        try:
            self.close()
        except Exception:
            pass


def per_sample_layout(runs_title, value_tag, lower_tag, upper_tag):
    """A custom-scalars layout: one margin chart of time per sample.

    Every run that has the three tags (train and predict among them) is drawn
    in the same chart, its p10-p90 band around the value.
    """
    series = layout_pb2.MarginChartContent.Series(
        value=value_tag, lower=lower_tag, upper=upper_tag)
    chart = layout_pb2.Chart(
        title=runs_title,
        margin=layout_pb2.MarginChartContent(series=[series]))
    return layout_pb2.Layout(category=[
        layout_pb2.Category(title="fit vs predict", chart=[chart])
    ])
