"""Profiler start-up chatter kept off the console.

The frameworks' profilers print from C++ straight to the process's stderr
(file descriptor 2), past Python's `sys.stderr`: torch's Kineto its `USDT`
lines, TensorFlow its `profiler_session.cc` info lines. Around a start or a
stop, fd 2 goes to a temporary file; the lines a predicate drops are
dropped, anything else is written back.

Example:

>>> with stderr_without(lambda line: line.startswith(b"USDT:")):
...     pass
"""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def stderr_without(drop):
    """Within the block, lines written to fd 2 for which `drop(line)` is
    true (bytes, newline included) are dropped; the rest are kept."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            rest = [line for line in caught.read().splitlines(True)
                    if not drop(line)]
            if rest:
                os.write(2, b"".join(rest))
