"""The fast reader against tensorboard's EventAccumulator, event by event."""

import io
import sys

import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow as stub

from keras_timing.events import reader
from keras_timing.events import records
from keras_timing.events.writer import RunWriter


def _accumulated(folder):
    """EventAccumulator's scalars as (wall_time, step, value) tuples, which
    the reader's `ScalarEvent`s equal field by field."""
    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0}).Reload()
    return {tag: [(e.wall_time, e.step, e.value) for e in acc.Scalars(tag)]
            for tag in acc.Tags()["scalars"]}


def _event(step, wall=1.0, version=None, start=False, **values):
    event = event_pb2.Event(wall_time=wall, step=step)
    if version:
        event.file_version = version
    if start:
        event.session_log.status = event_pb2.SessionLog.START
    for tag, v in values.items():
        event.summary.value.add(tag=tag, simple_value=v)
    return records.frame(event.SerializeToString())


def _write(path, *frames):
    path.write_bytes(b"".join(frames))


def test_a_timer_style_folder_of_two_files_reads_the_same(tmp_path):
    for n in range(2):
        w = RunWriter(str(tmp_path))
        w.scalar_rows([(s, {"a": s / 3, "b": -s}) for s in range(
            1 + 100 * n, 101 + 100 * n)], wall_time=50.0 + n)
        w.text("t", 1, "hello")
        w.close()
    mine, damaged = reader.read_scalars(str(tmp_path))
    assert damaged == []
    assert mine == _accumulated(tmp_path)
    assert [e.step for e in mine["a"]] == list(range(1, 201))


def test_a_restart_purges_later_steps_as_tensorboard_does(tmp_path):
    _write(tmp_path / "events.out.tfevents.1.h",
           _event(0, version="brain.Event:2"),
           *[_event(s, a=float(s)) for s in range(1, 11)],
           _event(6, start=True), _event(6, a=60.0), _event(7, b=7.0))
    mine, _ = reader.read_scalars(str(tmp_path))
    assert mine == _accumulated(tmp_path)
    assert [e.step for e in mine["a"]] == [1, 2, 3, 4, 5, 6]


def test_files_without_a_version_purge_out_of_order_tags(tmp_path):
    _write(tmp_path / "events.out.tfevents.1.h",
           *[_event(s, a=float(s), b=1.0) for s in range(1, 11)],
           _event(4, a=-1.0), _event(11, b=2.0))
    mine, _ = reader.read_scalars(str(tmp_path))
    assert mine == _accumulated(tmp_path)
    assert [e.step for e in mine["a"]] == [1, 2, 3, 4]
    assert len(mine["b"]) == 11


def test_a_damaged_file_is_read_up_to_the_damage_and_named(tmp_path):
    good = tmp_path / "events.out.tfevents.1.h"
    _write(good, *[_event(s, a=float(s)) for s in range(1, 6)])
    cut = tmp_path / "events.out.tfevents.2.h"
    data = b"".join(_event(s, a=float(s)) for s in range(6, 9))
    cut.write_bytes(data[:-3])
    (tmp_path / "events.out.tfevents.3.h.profile-empty").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"x")
    mine, damaged = reader.read_scalars(str(tmp_path))
    assert mine == _accumulated(tmp_path)
    assert [e.step for e in mine["a"]] == [1, 2, 3, 4, 5, 6, 7]
    assert damaged == [(str(cut), "damaged after 2 whole records: %s has "
                        "truncated record in data crc" % cut)]


def test_a_record_that_is_not_an_event_is_damage(tmp_path):
    path = tmp_path / "events.out.tfevents.1.h"
    _write(path, _event(1, a=1.0), records.frame(b"\xff\xff\xff"))
    mine, damaged = reader.read_scalars(str(tmp_path))
    assert [e.step for e in mine["a"]] == [1]
    assert "record 1 is not an event" in damaged[0][1]


def test_garbage_fails_the_header_crc_and_a_missing_file_is_named(
        tmp_path):
    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(b"\x07" * 64)
    records_read, reason = reader.read_file(str(path))
    assert not records_read
    assert reason.startswith("damaged after 0 whole records: ")
    assert "failed header crc32 check" in reason
    assert reader.read_file(str(tmp_path / "none"))[1] == (
        "cannot be read: No such file or directory")


def test_the_pure_python_crc_reads_the_same(tmp_path, monkeypatch):
    w = RunWriter(str(tmp_path))
    w.scalar_rows([(s, {"a": s * 0.5}) for s in range(1, 50)])
    w.close()
    fast = reader.read_scalars(str(tmp_path))
    monkeypatch.setattr(records, "crc32c", stub.crc32c)
    assert reader.read_scalars(str(tmp_path)) == fast


def test_reading_imports_no_tensorflow():
    import subprocess

    code = ("import sys; from keras_timing.events import reader; "
            "reader.read_scalars('.'); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
