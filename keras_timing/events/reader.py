"""Scalars of a run folder read back, each event file read and checked once.

What tensorboard's `EventAccumulator` gives for `Scalars(tag)`, with the
same files in the same order and the same purge of a restarted run, but
with a C CRC32C (`records`) and without importing TensorFlow: tensorboard's
loader uses TensorFlow's reader when TensorFlow is installed (seconds of
import) and a pure-Python CRC when not (tensorboard#4354). The tests compare
the two readers event by event.
"""

import collections
import os

from tensorboard.compat.proto import event_pb2

from keras_timing.events import records

# The fields of tensorboard's `event_accumulator.ScalarEvent`. Not that
# class: importing `event_accumulator` pulls tensorboard's TensorFlow stub,
# its gfile and boto3 (about 1 s, most of `keras-timing report`'s time on
# a million steps), and a frozen dataclass costs more per event than a
# tuple. The tests compare the fields with `EventAccumulator`'s.
ScalarEvent = collections.namedtuple("ScalarEvent", "wall_time step value")


def event_files(folder):
    """The event files of `folder`, in the order tensorboard reads them.

    >>> event_files("/no/such/folder")
    []
    """
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names
            if "tfevents" in n and not n.endswith(".profile-empty")
            and os.path.isfile(os.path.join(folder, n))]


def read_file(path):
    """The records of one event file and why it is damaged (None if whole).

    >>> read_file("/no/such/file")[1]
    'cannot be read: No such file or directory'
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return [], "cannot be read: %s" % (e.strerror or e,)
    return records.split(data, path)


class _Scalars:
    """The scalar part of `EventAccumulator`'s bookkeeping."""

    def __init__(self):
        self.by_tag = {}
        self.version = None
        self.recent_step = -1

    def _purge(self, step, tags=None):
        for tag in self.by_tag if tags is None else tags:
            if tag in self.by_tag:
                self.by_tag[tag] = [e for e in self.by_tag[tag]
                                    if e.step < step]

    def add(self, event):
        if event.HasField("file_version"):
            try:
                self.version = float(
                    event.file_version.split("brain.Event:")[-1])
            except ValueError:
                self.version = None
        values = event.summary.value
        if self.version and self.version >= 2:
            if (event.HasField("session_log") and event.session_log.status
                    == event_pb2.SessionLog.START):
                self._purge(event.step)
        elif event.step < self.recent_step and event.HasField("summary"):
            self._purge(event.step, [v.tag for v in values])
        else:
            self.recent_step = event.step
        # The hot loop of a report on a long run (tens of thousands of
        # records): locals bound once, one dict look-up per value.
        wall_time, step, by_tag = event.wall_time, event.step, self.by_tag
        for value in values:
            if value.HasField("simple_value"):
                events = by_tag.get(value.tag)
                if events is None:
                    events = by_tag[value.tag] = []
                events.append(ScalarEvent(wall_time, step,
                                          value.simple_value))


def read_scalars(folder):
    """`({tag: [ScalarEvent]}, [(path, reason)])` of a run folder.

    Whole records before any damage are read, as tensorboard reads them;
    each damaged file is named with the reason.

    Args:
        folder: A run folder, e.g. `logs/<launch>/train`.

    Example:

    >>> import tempfile
    >>> from keras_timing.events.writer import RunWriter
    >>> w = RunWriter(tempfile.mkdtemp())
    >>> w.scalars(7, {"timing/batch_ms": 2.5}, wall_time=10.0); w.close()
    >>> read_scalars(w.path)
    ({'timing/batch_ms': [ScalarEvent(wall_time=10.0, step=7, value=2.5)]}, [])
    """
    scalars = _Scalars()
    damaged = []
    for path in event_files(folder):
        found, reason = read_file(path)
        for i, data in enumerate(found):
            try:
                scalars.add(event_pb2.Event.FromString(data))
            except Exception as e:
                reason = "damaged after %d whole records: record %d is " \
                         "not an event: %s" % (i, i, e)
                break
        if reason:
            damaged.append((path, reason))
    return scalars.by_tag, damaged
