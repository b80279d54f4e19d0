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

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2

# Field keys: (field number << 3) | wire type.
_WALL_TIME = b"\x09"      # Event.wall_time, double
_STEP = b"\x10"           # Event.step, varint
_SUMMARY = b"\x2a"        # Event.summary, length-delimited
_VALUE = b"\x0a"          # Summary.value, length-delimited
_TAG = b"\x0a"            # Summary.Value.tag, length-delimited
_SIMPLE_VALUE = b"\x15"   # Summary.Value.simple_value, 32-bit float
_DOUBLE = struct.Struct("<d")


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
