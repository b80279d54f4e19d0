"""Scalar events encoded from templates, without a protobuf object a point.

An `Event` with a `Summary` of `simple_value`s serializes to bytes that are
fixed for a given list of tags, apart from the wall time, the step and the
values. `ScalarEncoder` works out the fixed parts once per list of tags and
fills in the rest with `struct`; the bytes are those of
`event_pb2.Event(...).SerializeToString()` (the tests compare them), at a
fraction of the cost of building the objects for every point.
"""

import math
import struct

import numpy as np
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2

from keras_timing.events import records

# Field keys: (field number << 3) | wire type.
_WALL_TIME = b"\x09"      # Event.wall_time, double
_STEP = b"\x10"           # Event.step, varint
_SUMMARY = b"\x2a"        # Event.summary, length-delimited
_VALUE = b"\x0a"          # Summary.value, length-delimited
_TAG = b"\x0a"            # Summary.Value.tag, length-delimited
_SIMPLE_VALUE = b"\x15"   # Summary.Value.simple_value, 32-bit float
_DOUBLE = struct.Struct("<d")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def varint(n):
    """Protobuf's base-128 varint of an int64 (negatives as 10 bytes).

    >>> varint(1), varint(300)
    (b'\\x01', b'\\xac\\x02')
    """
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _length_delimited(key, body):
    return key + varint(len(body)) + body


def proto_event(wall_time, step, values):
    """The same event built the protobuf way (the reference, and the path
    for values a float32 cannot hold)."""
    return event_pb2.Event(
        wall_time=wall_time, step=int(step),
        summary=summary_pb2.Summary(value=[
            summary_pb2.Summary.Value(tag=tag, simple_value=float(v))
            for tag, v in values.items()]),
    ).SerializeToString()


class ScalarEncoder:
    """Serializes scalar events, one template per list of tags.

    Example:

    >>> enc = ScalarEncoder()
    >>> data = enc.encode(1.5, 3, {"timing/batch_ms": 2.5})
    >>> data == proto_event(1.5, 3, {"timing/batch_ms": 2.5})
    True
    """

    def __init__(self):
        self._templates = {}

    def _template(self, tags):
        # Per tag: the Value's key and length, its tag field, then the float.
        heads = []
        for tag in tags:
            name = _length_delimited(_TAG, tag.encode("utf-8"))
            heads.append(_VALUE + varint(len(name) + 5) + name + _SIMPLE_VALUE)
        size = sum(len(h) + 4 for h in heads)
        heads[0] = _SUMMARY + varint(size) + heads[0]
        packer = struct.Struct(
            "<" + "".join("%dsf" % len(h) for h in heads))
        args = [None] * (2 * len(heads))
        args[0::2] = heads
        return packer, args

    def encode(self, wall_time, step, values):
        """The serialized `Event` of `values` (`{tag: number}`) at `step`.

        Args:
            wall_time: Seconds since the epoch.
            step: The event's step.
            values: Tags and numbers, written in this order.
        """
        if not values:
            return proto_event(wall_time, step, values)
        tags = tuple(values)
        template = self._templates.get(tags)
        if template is None:
            template = self._templates[tags] = self._template(tags)
        packer, args = template
        args = list(args)
        args[1::2] = values.values()
        try:
            summary = packer.pack(*args)
        except (OverflowError, struct.error):
            # Beyond float32 range: protobuf's own rounding (to inf).
            return proto_event(wall_time, step, values)
        step = int(step)
        # proto3 leaves out zero scalars; -0.0 is not zero to it.
        head = (_WALL_TIME + _DOUBLE.pack(wall_time)
                if wall_time or math.copysign(1.0, wall_time) < 0 else b"")
        return (head + (_STEP + varint(step) if step else b"") + summary)

    def encode_block(self, wall_time, rows):
        """The framed records (`records.frame`) of `rows`, in order, as one
        bytes: numpy over the rows that share their tags and their step's
        length, one C CRC a record. Byte for byte `frame(encode(...))` of
        each row.

        Args:
            wall_time: Seconds since the epoch, of every row.
            rows: `(step, {tag: number})` pairs.

        >>> enc = ScalarEncoder()
        >>> rows = [(1, {"a": 1.0}), (200, {"a": 2.0}), (3, {"b": 3.0})]
        >>> enc.encode_block(2.0, rows) == b"".join(
        ...     records.frame(enc.encode(2.0, s, v)) for s, v in rows)
        True
        """
        head = (_WALL_TIME + _DOUBLE.pack(wall_time)
                if wall_time or math.copysign(1.0, wall_time) < 0 else b"")
        out = [None] * len(rows)
        for tags, where, steps, vals in _groups(rows):
            # A step of 0 or below, or a value past float32's range
            # (protobuf's own rounding), goes row by row.
            odd = (steps <= 0) | (np.isfinite(vals) & (
                np.abs(vals) > _FLOAT32_MAX)).any(axis=1) if tags else (
                np.ones(len(where), bool))
            for k in np.flatnonzero(odd).tolist():
                out[where[k]] = records.frame(self.encode(
                    wall_time, int(steps[k]), dict(zip(tags, vals[k]))))
            if odd.all():
                continue
            where = np.asarray(where)[~odd]
            steps, vals = steps[~odd], vals[~odd].astype("<f4")
            size = np.ones(len(steps), np.int64)
            for bits in range(7, 63, 7):
                size += steps >= (1 << bits)
            for n in np.unique(size).tolist():
                pick = size == n
                self._fill(out, head, tags, n, where[pick], steps[pick],
                           vals[pick])
        return b"".join(out)

    def _fill(self, out, head, tags, n, where, steps, vals):
        """Rows of one tag list and an `n`-byte step into `out`."""
        template = self._templates.get(tags)
        if template is None:
            template = self._templates[tags] = self._template(tags)
        packer, args = template
        args = list(args)
        args[1::2] = [0.0] * len(tags)
        data = head + _STEP + bytes(n) + packer.pack(*args)
        header = records.header(len(data))
        size = len(header) + len(data) + 4
        block = np.empty((len(steps), size), np.uint8)
        block[:] = np.frombuffer(header + data + bytes(4), np.uint8)
        at = len(header) + len(head) + 1
        for b in range(n):
            byte = (steps >> (7 * b)) & 0x7F
            block[:, at + b] = byte | 0x80 if b < n - 1 else byte
        at += n
        for j, h in enumerate(args[0::2]):
            at += len(h)
            block[:, at:at + 4] = np.ascontiguousarray(
                vals[:, j]).view(np.uint8).reshape(-1, 4)
            at += 4
        flat = block.tobytes()
        start = len(header)
        crcs = np.array([records.crc32c(flat[r + start:r + size - 4])
                         for r in range(0, len(flat), size)], np.uint64)
        masked = (((crcs >> 15) | (crcs << 17)) + records.MASK_DELTA) & (
            0xFFFFFFFF)
        block[:, -4:] = masked.astype("<u4").view(np.uint8).reshape(-1, 4)
        flat = block.tobytes()
        for k, i in enumerate(where.tolist()):
            out[i] = flat[k * size:(k + 1) * size]


def _groups(rows):
    """`(tags, positions, steps, values)` of the rows that share their
    tags: a `PointRows`' column groups, and its other rows (or those of a
    list of `(step, {tag: number})`) grouped by their tags."""
    extra = getattr(rows, "extra", None)
    pairs = enumerate(rows) if extra is None else extra.items()
    groups = {}
    for i, (step, values) in pairs:
        groups.setdefault(tuple(values), []).append((i, step, values))
    for tags, got in groups.items():
        yield (tags, [i for i, _, _ in got],
               np.array([step for _, step, _ in got], dtype=np.int64),
               np.array([list(v.values()) for _, _, v in got],
                        dtype=np.float64).reshape(len(got), len(tags)))
    if extra is not None:
        for tags, where, steps, vals in rows.groups:
            yield tags, where, steps, vals
