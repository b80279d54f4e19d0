"""In a plain shell (no TF_CPP_MIN_LOG_LEVEL), the commands print no C++ log
line and no traceback when the reader closes the pipe; `report` names the
launch folder it was given by its own name."""

import json
import os
import re
import subprocess
import sys

import pytest

from keras_timing import schema

# absl's line prefix (severity, date, time, thread, file:line]) and the
# lines absl and TensorFlow print without it.
CPP_LOG = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\]|absl::"
                     r"|^To enable the following instructions")


def plain_env():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


def keras_timing(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "keras_timing", *args],
                          env=plain_env(), capture_output=True, text=True,
                          timeout=timeout)


def cpp_lines(stderr):
    return [ln for ln in stderr.splitlines() if CPP_LOG.search(ln)]


def test_report_of_a_launch_with_captures_prints_no_cpp_log(user_launch):
    log_dir, timer = user_launch
    done = keras_timing("report", timer.launch_dir)
    assert done.returncode == 0, done.stderr
    assert cpp_lines(done.stderr) == [] and done.stderr == ""
    # The capture was read (xplane: the profiler's step times; torch: its
    # trace is listed), so the quiet output is not an unread capture.
    assert "Profiler captures of train:" in done.stdout
    if os.environ.get("KERAS_BACKEND") != "torch":
        assert "step 12: profiler" in done.stdout


def test_report_of_a_launch_folder_names_the_launch(user_launch):
    log_dir, timer = user_launch
    done = keras_timing("report", "--json", timer.launch_dir + os.sep)
    (launch,) = json.loads(done.stdout)
    assert launch["launch"] == "users"
    text = keras_timing("report", timer.launch_dir).stdout
    assert text.startswith("## users\n")


def _closed_pipe(*args):
    """Runs the command with its stdout's reader gone before it writes, as
    `... | head -0` leaves it."""
    proc = subprocess.Popen([sys.executable, "-m", "keras_timing", *args],
                            env=plain_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=300), err


@pytest.mark.parametrize("command", [["compare", "--json"], ["report"],
                                     ["report", "--json"]])
def test_a_closed_pipe_ends_without_a_traceback(user_launch, command):
    log_dir, timer = user_launch
    folders = ([timer.launch_dir, timer.launch_dir]
               if command[0] == "compare" else [str(log_dir)])
    code, err = _closed_pipe(*command, *folders)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert code == 1


def test_explain_of_a_model_file_says_it_times_synthetic_data(tmp_path):
    import keras

    from keras_timing import demo

    model, _, _ = demo.dense_example(keras, samples=64)
    path = str(tmp_path / "dense.keras")
    model.save(path)
    done = keras_timing("explain", path, "--steps", "3", "--fit-steps", "3",
                        "--json")
    assert done.returncode == 0, done.stderr
    assert cpp_lines(done.stderr) == []
    assert "no --data: timing synthetic data" in done.stderr
    (answer,) = json.loads(done.stdout)
    assert answer["label"] == "dense.keras"


def test_demo_prints_no_cpp_log(tmp_path):
    done = keras_timing("demo", "--log-dir", str(tmp_path), "--epochs", "1",
                        "--explain-steps", "3", timeout=600)
    assert done.returncode == 0, done.stderr
    assert cpp_lines(done.stderr) == [], cpp_lines(done.stderr)[:3]
    assert len(os.listdir(tmp_path)) == 2
    for launch in os.listdir(tmp_path):
        assert schema.TRAIN in os.listdir(tmp_path / launch)
