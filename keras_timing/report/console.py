"""The command line's console: no C++ log lines, no traceback on a closed pipe.

TensorFlow 2.21 and xprof log through absl straight to file descriptor 2,
past Python's `sys.stderr`, and `TF_CPP_MIN_LOG_LEVEL` no longer silences
their start-up lines (`port.cc`, `cpu_feature_guard.cc`) or the converter's
`serving tool: ...` lines. Within `cpp_logs_dropped()`, fd 2 is a pipe that
a thread reads line by line: absl-formatted lines are dropped as they come,
anything else (Python warnings, tracebacks, the package's own messages) is
written on at once, so nothing waits for the block's end.

Example:

>>> is_cpp_log(b"I0000 00:00:1796409357.019667    8367 port.cc:153] x\\n")
True
>>> is_cpp_log(b"keras-timing report: no such folder: x\\n")
False
>>> with cpp_logs_dropped():
...     pass
"""

import contextlib
import os
import re
import sys
import threading

# absl's prefix: severity, MMDD, time, thread id, file:line]
_ABSL = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+:\d+\] ")
# Lines absl or TensorFlow's CPU check print without that prefix.
_BARE = (b"WARNING: All log messages before absl::InitializeLog()",
         b"To enable the following instructions:")


def is_cpp_log(line):
    """Whether `line` (bytes) is a C++ log line: absl's prefix, or one of
    the few lines TensorFlow and absl print without it."""
    return bool(_ABSL.match(line)) or line.startswith(_BARE)


@contextlib.contextmanager
def cpp_logs_dropped():
    """Within the block, C++ log lines written to fd 2 are dropped as they
    come; every other line goes on to the console at once."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        # No real fd 2 (an embedding host, a captured stream): leave it be.
        yield
        return
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)

    def pump():
        with os.fdopen(read, "rb") as lines:
            for line in lines:
                if not is_cpp_log(line):
                    try:
                        os.write(saved, line)
                    except OSError:
                        # A child process outlived the block and `saved`
                        # is closed: its line has nowhere to go.
                        return

    thread = threading.Thread(target=pump, name="keras_timing-stderr",
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        # Restoring fd 2 closes the pipe's write end: the thread reads to
        # the end of what was written, then stops.
        os.dup2(saved, 2)
        thread.join(timeout=5)
        os.close(saved)


def stdout_closed():
    """After a `BrokenPipeError` on stdout (`... | head`): points stdout at
    devnull so that the interpreter's last flush does not raise again, as
    the Python docs' "Note on SIGPIPE" does. Returns the exit code, 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    finally:
        os.close(devnull)
    return 1
