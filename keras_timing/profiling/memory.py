"""The process's resident-set peak on the host, reset between points.

`peak_mb()` reads `getrusage(RUSAGE_SELF).ru_maxrss`, the kernel's
high-water mark of the process's resident set: one system call, cheap
enough to read at every write of points. Linux lets a process reset that
mark: writing "5" to `/proc/self/clear_refs` sets it to the current
resident set, so the next `peak_mb()` is the peak since `reset_peak()` (one
write; the file is opened once per process, not at every reset). Where the
file cannot be written (not Linux, a kernel before 4.0, a locked-down
container) `reset_peak()` returns False and `peak_mb()` is the peak since
the process started.

"MB" is 2**20 bytes here, as in torch's and TensorFlow's memory figures.

Example:

>>> reset_peak() in (True, False)
True
>>> peak_mb() > 0
True
"""

import os
import sys

try:
    import resource
except ImportError:  # Windows: no getrusage.
    resource = None

_CLEAR_REFS = "/proc/self/clear_refs"
# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
_UNIT = 1 if sys.platform == "darwin" else 1024

_fd = None
_fd_pid = None
_resettable = None


def reset_peak():
    """Resets the resident-set high-water mark to the current resident set.

    Returns:
        True if it was reset, False where this system does not allow it
        (then `peak_mb()` keeps counting from the process's start).
    """
    global _fd, _fd_pid, _resettable
    if _resettable is False:
        return False
    try:
        # A forked child must not reset its parent's mark.
        if _fd is None or _fd_pid != os.getpid():
            _fd, _fd_pid = os.open(_CLEAR_REFS, os.O_WRONLY), os.getpid()
        os.write(_fd, b"5")
        _resettable = True
    except OSError:
        _resettable = False
    return _resettable


def peak_mb():
    """The process's resident-set peak in MB since the last `reset_peak()`
    (or since it started, where resetting is not allowed); None without
    `getrusage` (Windows)."""
    if resource is None:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _UNIT / 2**20
