"""Templated scalar events: the bytes protobuf writes, read back by
tensorboard's EventAccumulator and tbparse."""

import math
import random
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from tbparse import SummaryReader
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2

from keras_timing.events import records
from keras_timing.events.scalar_events import ScalarEncoder
from keras_timing.events.scalar_events import proto_event
from keras_timing.events.scalar_events import varint
from keras_timing.events.writer import RunWriter

TAGS = ("timing/batch_ms", "timing/input_wait_ms", "timing/samples_per_sec")


def _values(rng):
    return [rng.uniform(-1e6, 1e6), rng.random() * 1e-3, 0.0, -0.0,
            float(rng.randrange(1, 10**6)), rng.lognormvariate(0, 5)]


def test_bytes_equal_the_protobuf_path():
    rng = random.Random(3)
    enc = ScalarEncoder()
    cases = [(0.0, 0), (-0.0, 1), (1.5, -1), (1e9, 2**62), (-3.0, -2**63)]
    cases += [(rng.uniform(1.7e9, 1.8e9), rng.randrange(1, 10**7))
              for _ in range(300)]
    for wall, step in cases:
        values = rng.sample(_values(rng), 3)
        tags = rng.choice([TAGS, TAGS[:1], ("é/ünï", "x" * 200, "y")])
        point = dict(zip(tags, values))
        assert enc.encode(wall, step, point) == proto_event(
            wall, step, point), (wall, step, point)


@pytest.mark.parametrize("value", [
    float("inf"), -float("inf"), float("nan"), 1e40, -1e40, 3.4028235e38,
    1e-46, np.float32(2.5), np.float64(1 / 3), 7, True])
def test_odd_values_match_protobuf(value):
    point = {"a": value, "b": 1.0}
    assert ScalarEncoder().encode(5.0, 9, point) == proto_event(5.0, 9, point)


def test_varint_matches_protobuf_for_every_length():
    for bits in range(63):
        for n in (1 << bits, (1 << bits) + 1, -(1 << bits)):
            assert event_pb2.Event(step=n).SerializeToString() == (
                b"\x10" + varint(n))


def test_readers_get_back_tags_steps_values_and_wall_times(tmp_path):
    rng = random.Random(5)
    written = {}
    w = RunWriter(str(tmp_path))
    for step in range(1, 301):
        point = dict(zip(TAGS if step % 3 else TAGS[:2], _values(rng)[:3]))
        wall = 1.7e9 + step / 7
        w.scalars(step, point, wall_time=wall)
        for tag, v in point.items():
            f32 = struct.unpack("<f", struct.pack("<f", v))[0]
            written.setdefault(tag, []).append((wall, step, f32))
    w.close()
    acc = event_accumulator.EventAccumulator(
        str(tmp_path), size_guidance={event_accumulator.SCALARS: 0}).Reload()
    assert sorted(acc.Tags()["scalars"]) == sorted(written)
    for tag, points in written.items():
        assert [(e.wall_time, e.step, e.value)
                for e in acc.Scalars(tag)] == points
    df = SummaryReader(str(tmp_path), extra_columns={"wall_time"}).scalars
    for tag, points in written.items():
        rows = df[df.tag == tag].sort_values("step")
        assert list(rows.step) == [p[1] for p in points]
        assert np.array_equal(rows.value.to_numpy(np.float64),
                              np.array([p[2] for p in points]))
        assert np.allclose(rows.wall_time, [p[0] for p in points],
                           rtol=0, atol=1e-6)
    assert not math.isnan(df.value.sum())


_ODD = [float("inf"), -float("inf"), float("nan"), 1e40, -1e39, 1e-46,
        3.4028235e38, 0.0, -0.0, 7, True]


@settings(max_examples=150, deadline=None)
@given(st.floats(-2e9, 2e9), st.lists(st.tuples(
    st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(0, 10**7)),
    st.sampled_from([TAGS, TAGS[:1], TAGS[1:], ("é/ünï", "x" * 200), ()]),
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.sampled_from(_ODD)),
             min_size=3, max_size=3)), max_size=40))
def test_a_block_is_byte_for_byte_the_records_of_each_row(wall, rows):
    # The writer encodes a drain's points in one block (numpy over rows
    # sharing tags and a step length): the same bytes, in the same order,
    # as protobuf's event of each row, framed one by one.
    rows = [(step, dict(zip(tags, values))) for step, tags, values in rows]
    got = ScalarEncoder().encode_block(wall, rows)
    assert got == b"".join(records.frame(proto_event(wall, step, values))
                           for step, values in rows)


def test_a_block_of_points_reads_back_in_order(tmp_path):
    # Interleaved tag lists (a band every third point): tbparse gets every
    # point back at its step, in step order per tag.
    rows = [(step, {TAGS[0]: step / 8, **({TAGS[2]: -step / 4}
                                         if step % 3 == 0 else {})})
            for step in range(1, 400)]
    writer = RunWriter(str(tmp_path))
    writer.scalar_rows(rows)
    writer.close()
    df = SummaryReader(str(tmp_path)).scalars
    first = df[df.tag == TAGS[0]]
    assert first.step.tolist() == list(range(1, 400))
    assert first.value.tolist() == [s / 8 for s in range(1, 400)]
    third = df[df.tag == TAGS[2]]
    assert third.step.tolist() == list(range(3, 400, 3))
    assert third.value.tolist() == [-s / 4 for s in range(3, 400, 3)]
