"""The command line's console: no C++ log lines, no traceback on a closed pipe.

TensorFlow 2.21 and xprof log through absl straight to file descriptor 2,
past Python's `sys.stderr`, and `TF_CPP_MIN_LOG_LEVEL` no longer silences
their start-up lines (`port.cc`, `cpu_feature_guard.cc`) or the converter's
`serving tool: ...` lines. Within `cpp_logs_dropped()`, absl-formatted lines
written to fd 2 are dropped as they come and anything else (Python warnings,
tracebacks, the package's own messages) is written on at once: the one fd-2
filter, `profiling.backends.quiet.stderr_without`, with `is_cpp_log`.

Example:

>>> is_cpp_log(b"I0000 00:00:1796409357.019667    8367 port.cc:153] x\\n")
True
>>> is_cpp_log(b"keras-timing report: no such folder: x\\n")
False
>>> with cpp_logs_dropped():
...     pass
"""

import os
import re
import sys
from typing import ContextManager

from keras_timing.profiling.backends import quiet

# absl's prefix: severity, MMDD, time, thread id, file:line]
_ABSL = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+:\d+\] ")
# Lines absl or TensorFlow's CPU check print without that prefix.
_BARE = (b"WARNING: All log messages before absl::InitializeLog()",
         b"To enable the following instructions:")


def is_cpp_log(line: bytes) -> bool:
    """Whether `line` (bytes) is a C++ log line: absl's prefix, or one of
    the few lines TensorFlow and absl print without it."""
    return bool(_ABSL.match(line)) or line.startswith(_BARE)


def cpp_logs_dropped() -> ContextManager[None]:
    """Within the block (a context manager), C++ log lines written to fd 2
    are dropped as they come; every other line goes on to the console at
    once. The filter is the profilers' (`profiling.backends.quiet`)."""
    return quiet.stderr_without(is_cpp_log)


def stdout_closed() -> int:
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
