"""Profiler start-up chatter stays off the console."""

import os

import keras
import pytest

from keras_timing.profiling.backends import quiet


def test_dropped_lines_go_and_the_rest_is_kept(capfd):
    with quiet.stderr_without(lambda line: line.startswith(b"USDT:")):
        os.write(2, b"USDT: profiler_start\nkept line\nUSDT: stop\n")
    assert capfd.readouterr().err == "kept line\n"


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
