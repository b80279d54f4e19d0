"""`keras_timing/paths.py`: free names taken by exclusive creation, so
timers, threads and processes writing under one folder never share one."""

import os
import threading

import pytest

from keras_timing import paths


def test_threads_racing_for_one_name_each_get_their_own(tmp_path):
    made, start = [], threading.Barrier(8)

    def take():
        start.wait()
        made.append(paths.new_folder(str(tmp_path), "launch", "-"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["launch"] + ["launch-%d" % i for i in range(1, 8)])
    assert sorted(made) == sorted(str(tmp_path / n)
                                  for n in os.listdir(tmp_path))


def test_a_name_taken_by_a_file_is_passed_over(tmp_path):
    (tmp_path / "run").write_text("not a folder")
    assert paths.new_folder(str(tmp_path / "new" / ".."), "run", "_") \
        == os.path.join(str(tmp_path / "new" / ".."), "run_1")
    assert (tmp_path / "run").read_text() == "not a folder"


def test_every_name_taken_says_how_many_were_tried(tmp_path):
    for name in ("s", "s_1", "s_2"):
        (tmp_path / name).mkdir()
    with pytest.raises(FileExistsError, match="all 3 names tried"):
        paths.first_free((str(tmp_path / n) for n in
                          paths.numbered("s", "_", 3)), os.mkdir)


def test_a_full_folder_names_itself(tmp_path):
    for name in paths.numbered("s", "_"):
        (tmp_path / name).mkdir()
    with pytest.raises(FileExistsError,
                       match="no free session folder under '%s'" % tmp_path):
        paths.new_folder(str(tmp_path), "s", "_", "session folder")


def test_first_free_returns_what_create_made(tmp_path):
    taken = tmp_path / "a"
    taken.write_bytes(b"x")
    path, f = paths.first_free([str(taken), str(tmp_path / "b")],
                               lambda p: open(p, "xb"))
    with f:
        f.write(b"y")
    assert path == str(tmp_path / "b") and taken.read_bytes() == b"x"
    assert (tmp_path / "b").read_bytes() == b"y"
