"""Profiler start-up chatter stays off the console."""

import os
import subprocess
import sys
import threading

import keras
import pytest

from keras_timing.profiling.backends import quiet


def test_dropped_lines_go_and_the_rest_is_kept(capfd):
    with quiet.stderr_without(lambda line: line.startswith(b"USDT:")):
        os.write(2, b"USDT: profiler_start\nkept line\nUSDT: stop\n")
    assert capfd.readouterr().err == "kept line\n"


def test_a_kept_line_goes_on_before_the_block_ends(capfd):
    read = threading.Event()

    def drop(line):
        if line == b"sync\n":
            read.set()      # every line before it was already handled
            return True
        return False

    with quiet.stderr_without(drop):
        os.write(2, b"kept at once\nsync\n")
        assert read.wait(timeout=60)
        # Lines, not the whole text: in a full suite another thread of the
        # process (a framework's logger) may write to fd 2 meanwhile.
        lines = capfd.readouterr().err.splitlines(keepends=True)
        assert "kept at once\n" in lines and "sync\n" not in lines
        os.write(2, b"a last line without newline")
    assert capfd.readouterr().err.endswith("a last line without newline")


def test_nested_blocks_drop_both_sets_of_lines(capfd):
    with quiet.stderr_without(lambda line: line.startswith(b"outer")):
        with quiet.stderr_without(lambda line: line.startswith(b"inner")):
            os.write(2, b"outer 1\ninner 1\nkept 1\n")
        os.write(2, b"inner 2\nouter 2\n")
    assert capfd.readouterr().err == "kept 1\ninner 2\n"


def test_a_child_that_outlives_the_block_is_filtered_too(capfd):
    """A process started in the block (a data worker) keeps the block's
    fd 2: the block ends without it, and its lines are still filtered."""
    child = ("import os, sys; sys.stdin.read(); "
             "os.write(2, b'USDT: profiler_stop\\nchild line\\n')")
    with quiet.stderr_without(lambda line: line.startswith(b"USDT:")):
        proc = subprocess.Popen([sys.executable, "-c", child],
                                stdin=subprocess.PIPE)
    assert proc.poll() is None      # the block did not wait for the child
    proc.communicate(b"", timeout=60)
    # The reader ends when the last holder of the pipe (the child) exits.
    for thread in threading.enumerate():
        if thread.name == "keras_timing-stderr":
            thread.join(timeout=60)
    assert capfd.readouterr().err == "child line\n"


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="TensorFlow's profiler info lines")
def test_a_tensorflow_capture_prints_no_profiler_lines(tmp_path, capfd):
    from keras_timing.profiling import backends

    profiler = backends.get()
    session = backends.new_session_dir(str(tmp_path / "train"))
    profiler.start(session)
    profiler.close_step(profiler.open_step("train", 1))
    assert profiler.stop()
    err = capfd.readouterr().err
    assert "profiler_session.cc" not in err and "save_profile" not in err
