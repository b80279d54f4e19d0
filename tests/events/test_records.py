"""TFRecord framing: the C CRC32C against tensorboard's pure-Python one."""

import io
import random

import pytest
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow as stub
from tensorboard.summary.writer.record_writer import RecordWriter

from keras_timing.events import records


def _payloads():
    rng = random.Random(7)
    out = [b"", b"\x00", b"abc", bytes(range(256)) * 3]
    out += [rng.randbytes(rng.randrange(1, 300)) for _ in range(200)]
    return out


def test_the_c_crc_is_in_use():
    assert records.IMPLEMENTATION == "c"


def test_c_and_python_crcs_give_the_same_bytes():
    for data in _payloads():
        assert records.masked_crc32c(data) == stub.masked_crc32c(data)
        assert (records.masked_crc32c(data, crc=stub.crc32c)
                == records.masked_crc32c(data))


def test_frames_are_the_bytes_tensorboards_record_writer_writes():
    out = io.BytesIO()
    writer = RecordWriter(out)
    ours = b""
    for data in _payloads():
        writer.write(data)
        ours += records.frame(data)
    assert ours == out.getvalue()


def test_split_reads_back_every_record():
    payloads = _payloads()
    found, reason = records.split(b"".join(map(records.frame, payloads)))
    assert reason is None and found == payloads


@pytest.mark.parametrize("cut, problem", [
    (3, "truncated record in header"),
    (10, "truncated record in header crc"),
    (14, "truncated record in data"),
    (-2, "truncated record in data crc"),
])
def test_a_cut_file_keeps_its_whole_records_and_says_where(cut, problem):
    whole = records.frame(b"first") + records.frame(b"second")
    second = len(records.frame(b"first"))
    end = second + cut if cut > 0 else len(whole) + cut
    found, reason = records.split(whole[:end], "f")
    assert found == [b"first"]
    assert reason == "damaged after 1 whole records: f has %s" % problem


def test_a_flipped_bit_fails_its_crc():
    data = bytearray(records.frame(b"payload"))
    data[13] ^= 1
    assert records.split(bytes(data), "f") == (
        [], "damaged after 0 whole records: f failed event crc32 check")
    data = bytearray(records.frame(b"payload"))
    data[0] ^= 1
    assert "failed header crc32 check" in records.split(bytes(data))[1]
