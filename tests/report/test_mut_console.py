"""The command line's console (`report.console`): which lines are C++ log
lines, that only those are dropped from fd 2, and that a closed stdout is
pointed at devnull. Pure: lines written to fd 2 here, read back by pytest's
fd capture."""

import io
import os
import sys

import pytest

from keras_timing.report import console

ABSL = b"I0000 00:00:1796409357.019667    8367 port.cc:153] oneDNN on\n"


@pytest.mark.parametrize("line", [
    ABSL,
    b"W1204 12:01:59.5 1 cpu_feature_guard.cc:1] x",
    b"E0101 00:00:1.0 12 a/b.cc:7] ",
    b"F9999 23:59:0.1 3 serving_tool.h:12] done",
    b"WARNING: All log messages before absl::InitializeLog() are written",
    b"To enable the following instructions: AVX2, in other operations"])
def test_cpp_log_lines(line):
    assert console.is_cpp_log(line) is True


@pytest.mark.parametrize("line", [
    b"keras-timing report: no such folder: x\n",
    b"",
    b" I0000 00:00:1.0 1 port.cc:1] indented",
    b"X0000 00:00:1.0 1 port.cc:1] not a severity",
    b"I000 00:00:1.0 1 port.cc:1] three digits",
    b"I0000 0:00:1.0 1 port.cc:1] one-digit hour",
    b"I0000 00:00:1 1 port.cc:1] no fraction",
    b"I0000 00:00:1.0 1 port.cc] no line number",
    b"I0000 00:00:1.0 1 port.cc:1]no space",
    b"I0000 00:00:1.0 x port.cc:1] no thread",
    b"I0000 00:00:1.0 1 a b.cc:1] space in the file",
    b"UserWarning: To enable the following instructions: not at the start"])
def test_other_lines(line):
    assert console.is_cpp_log(line) is False


def test_only_cpp_lines_are_dropped_from_fd_2(capfd):
    with console.cpp_logs_dropped():
        os.write(2, ABSL + b"Traceback: kept\n" + ABSL.replace(b"I", b"W", 1)
                 + b"a warning, kept\n")
    assert capfd.readouterr().err == "Traceback: kept\na warning, kept\n"


def test_a_closed_stdout_goes_to_devnull(tmp_path, monkeypatch):
    path = str(tmp_path / "out")
    with open(path, "w") as out:
        monkeypatch.setattr(sys, "stdout", out)
        # devnull's own descriptor is closed again. Watched through the
        # calls, not the process's descriptor table: a thread of an earlier
        # test (a writer, torch's) may open or close one meanwhile.
        opened, closed = [], []
        real_open, real_close = os.open, os.close

        def open_(path, *args, **kwargs):
            fd = real_open(path, *args, **kwargs)
            if path == os.devnull:
                opened.append(fd)
            return fd

        def close(fd):
            if fd in opened:
                closed.append(fd)
            real_close(fd)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "close", close)
        assert console.stdout_closed() == 1
        monkeypatch.setattr(os, "open", real_open)
        monkeypatch.setattr(os, "close", real_close)
        assert len(opened) == 1 and closed == opened
        os.write(out.fileno(), b"after the pipe closed\n")
        assert os.path.samestat(os.fstat(out.fileno()),
                                os.stat(os.devnull))
    with open(path) as f:
        assert f.read() == ""


@pytest.mark.parametrize("stdout", [io.StringIO(), None])
def test_a_stdout_without_a_descriptor_is_left(monkeypatch, stdout):
    monkeypatch.setattr(sys, "stdout", stdout)
    before = os.listdir("/proc/self/fd")
    assert console.stdout_closed() == 1
    assert os.listdir("/proc/self/fd") == before
