"""Buffered TensorBoard event writing, one writer per run folder.

Built on tensorboard's protos and the TFRecord framing of `records` (a C
CRC32C), so it needs no TensorFlow. Nothing here runs on the training
thread's hot path: the callback hands over batches of finished points and a
`Flusher` thread (or a phase end) turns them into events. Scalar events,
nearly all of what is written, are encoded from templates
(`scalar_events`); text, images and the layout go through protobuf.
`EventFileWriter` is not used: its own writer thread takes a lock handoff
per event, and its framing computes the CRC in pure Python.
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
from tensorboard.util import tensor_util

from keras_timing import paths
from keras_timing import schema
from keras_timing.analysis.stats import BAND_WINDOW
from keras_timing.events import records
from keras_timing.events.scalar_events import ScalarEncoder

_file_ids = itertools.count()


def _open_event_file(folder):
    """A new event file, created exclusively: never truncates another."""
    os.makedirs(folder, exist_ok=True)
    names = (os.path.join(folder, "events.out.tfevents.%010d.%s.%d.%d%s" % (
        time.time(), socket.gethostname(), os.getpid(), next(_file_ids),
        schema.EVENT_FILE_SUFFIX)) for _ in itertools.count())
    return paths.first_free(names, lambda path: open(path, "xb"))


class RunWriter:
    """Appends events to one run folder, opening the event file on first use.

    Args:
        path: The run folder, e.g. `logs/<launch>/train`.

    Example:

    >>> import tempfile
    >>> w = RunWriter(tempfile.mkdtemp())
    >>> w.scalars(1, {"timing/batch_ms": 2.5})
    >>> w.scalar_rows([(2, {"timing/batch_ms": 2.4}), (3, {"x": 1})])
    >>> w.close()
    """

    def __init__(self, path):
        self.path = path
        self.file_path = None
        self._file = None
        self._lock = threading.Lock()
        self._encoder = ScalarEncoder()

    def _write(self, data):
        """Appends framed records; call with the lock held."""
        if self._file is None:
            self.file_path, self._file = _open_event_file(self.path)
            self._file.write(records.frame(event_pb2.Event(
                wall_time=time.time(), file_version="brain.Event:2",
            ).SerializeToString()))
        self._file.write(data)

    def _add(self, summary, step, wall_time=None):
        event = event_pb2.Event(
            wall_time=time.time() if wall_time is None else wall_time,
            step=int(step), summary=summary,
        )
        with self._lock:
            self._write(records.frame(event.SerializeToString()))

    def scalars(self, step, values, wall_time=None):
        """One event of scalars.

        Args:
            step: The event's step.
            values: `{tag: number}`, each written as a float32.
            wall_time: Seconds since the epoch; now by default.
        """
        self.scalar_rows([(step, values)], wall_time)

    def scalar_rows(self, rows, wall_time=None):
        """One event per `(step, {tag: number})` of `rows`, in one write.

        Args as for `scalars`.
        """
        now = time.time() if wall_time is None else wall_time
        data = self._encoder.encode_block(now, rows)
        if data:
            with self._lock:
                self._write(data)

    def text(self, tag, step, markdown):
        """A Markdown text summary (the Text tab) at `step`."""
        value = summary_pb2.Summary.Value(
            tag=tag,
            metadata=text_metadata.create_summary_metadata(display_name=tag, description=""),
            tensor=tensor_util.make_tensor_proto(markdown.encode("utf-8")),
        )
        self._add(summary_pb2.Summary(value=[value]), step)

    def image(self, tag, step, png, width, height):
        """A PNG image summary (the Images tab), `width` x `height` px."""
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
        """Hands what was written to the operating system."""
        with self._lock:
            if self._file is not None:
                self._file.flush()

    def close(self):
        """Closes the file; a later write opens a new one."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __del__(self):
        # A timer dropped without its last phase end still closes its file.
        try:
            self.close()
        except Exception:
            pass


def per_sample_layout(runs_title, value_tag, lower_tag, upper_tag):
    """A custom-scalars layout: one margin chart of time per sample.

    Every run that has the three tags (train and predict among them) is drawn
    in the same chart, its p10-p90 band around the value. The titles say
    what the line is, since the summary's ms/sample is another figure: the
    line is a rolling median over the last `BAND_WINDOW` steps (partial
    batches included), the summary a total over the counted steps.

    Args:
        runs_title: The chart's title; what the line is follows it.
        value_tag, lower_tag, upper_tag: The tags of the line and its band.

    >>> layout = per_sample_layout("ms", "v", "lo", "hi")
    >>> layout.category[0].chart[0].title
    'ms: rolling median of the last 50 steps'
    """
    series = layout_pb2.MarginChartContent.Series(
        value=value_tag, lower=lower_tag, upper=upper_tag)
    chart = layout_pb2.Chart(
        title="%s: rolling median of the last %d steps" % (runs_title,
                                                          BAND_WINDOW),
        margin=layout_pb2.MarginChartContent(series=[series]))
    return layout_pb2.Layout(category=[
        layout_pb2.Category(title=(
            "fit vs predict (a rolling median of the last %d steps, partial "
            "batches included: not the summary's ms/sample, a total over "
            "the counted steps)" % BAND_WINDOW), chart=[chart])
    ])
