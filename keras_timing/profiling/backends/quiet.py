"""C++ log lines kept off the console: the one fd-2 line filter.

The frameworks print from C++ straight to the process's stderr (file
descriptor 2), past Python's `sys.stderr`: torch's Kineto its `USDT` lines
at every profiler start and stop, TensorFlow its `profiler_session.cc` info
lines, and TensorFlow and xprof their absl start-up lines, which
`TF_CPP_MIN_LOG_LEVEL` no longer silences. Within `stderr_without(drop)`,
fd 2 is a pipe that a thread reads line by line: the lines `drop` picks are
dropped as they come, any other line (a Python warning, a traceback, the
package's own messages) goes on to the console at once, so nothing waits
for the block's end. The profilers (`tensorflow.py`, `torch.py`) and the
command line (`report.console`) all use it.

Example:

>>> with stderr_without(lambda line: line.startswith(b"USDT:")):
...     pass
"""

import contextlib
import os
import sys
import threading

# Written after the block's last line, so the reader knows it has read all
# of the block's output (a pipe keeps order) without waiting for the end
# of the pipe, which a child process started in the block may hold open.
_DONE = b"\0keras_timing: end of the filtered block\0\n"


@contextlib.contextmanager
def stderr_without(drop):
    """Within the block, lines written to fd 2 for which `drop(line)` is
    true are dropped as they come; the rest go on to the console at once.

    Args:
        drop: A function of one line (bytes, its newline included)
            returning True for a line to drop.

    Where fd 2 is not a real file descriptor (an embedding host, a
    captured stream) the block runs with nothing filtered.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    read, write = os.pipe()
    # The reader's own copy of the console: a child process started in the
    # block holds the pipe open after it, and its lines still go through.
    out = os.dup(saved)
    done = threading.Event()
    thread = threading.Thread(target=_pump, args=(read, out, drop, done),
                              name="keras_timing-stderr", daemon=True)
    thread.start()
    os.dup2(write, 2)
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
        try:
            os.write(write, _DONE)
        finally:
            os.close(write)
        # Bounded: a reader stuck behind a full console cannot hang the
        # caller (the user's training, at a profiler start or stop).
        done.wait(timeout=5)


def _pump(read, out, drop, done):
    """Copies the lines of `read` that `drop` keeps to `out` until the end
    of the pipe; sets `done` once it has read the block's `_DONE` mark."""
    try:
        with os.fdopen(read, "rb") as lines:
            for line in lines:
                last = line.endswith(_DONE)
                if last:
                    # What precedes the mark is a last line with no newline.
                    line = line[:-len(_DONE)]
                if line and not drop(line):
                    os.write(out, line)
                if last:
                    # Only once that line is out: the block's end waits
                    # for this, and its caller may read the console next.
                    done.set()
    except OSError:
        # The console went away (a closed terminal): nowhere to write.
        pass
    finally:
        done.set()
        os.close(out)
