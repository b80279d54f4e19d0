"""The damage check names what is wrong with an event file."""

from keras_timing.events import integrity
from keras_timing.events.writer import RunWriter


def _file(tmp_path):
    w = RunWriter(str(tmp_path / "run"))
    for step in range(1, 4):
        w.scalars(step, {"timing/batch_ms": float(step)})
    w.close()
    return w.file_path


def test_a_whole_file_has_no_damage(tmp_path):
    assert integrity.damage(_file(tmp_path)) is None


def test_a_cut_file_says_how_many_records_were_whole(tmp_path):
    path = _file(tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-5])
    reason = integrity.damage(path)
    # The version record and two of the three points are whole.
    assert reason.startswith("damaged after 3 whole records: ")
    assert "truncated record in data" in reason and path in reason


def test_garbage_fails_the_crc(tmp_path):
    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(b"\x07" * 64)
    assert "failed header crc32 check" in integrity.damage(str(path))
