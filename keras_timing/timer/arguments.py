"""FitPredictTimer's argument checks: each error names the argument and
what is accepted, before any training starts."""

import os
import tempfile


def check(log_dir, launch_name, batch_size, flush_secs, verbose,
          count_flops="auto"):
    """Raises TypeError/ValueError for a bad argument.

    >>> check("logs", None, 32, 1.0, 1)
    >>> check("logs", None, 0, 1.0, 1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a positive int or None, got 0
    """
    if not isinstance(log_dir, (str, os.PathLike)):
        raise TypeError("log_dir must be a path (str or os.PathLike), "
                        "got %r" % (log_dir,))
    if os.path.isfile(log_dir):
        raise ValueError("log_dir must be a folder, but %r is a file"
                         % (os.fspath(log_dir),))
    if launch_name is not None and (not isinstance(launch_name, str)
                                    or not launch_name
                                    or os.sep in launch_name):
        raise ValueError("launch_name must be a non-empty folder name "
                         "without %r, got %r" % (os.sep, launch_name))
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise ValueError("batch_size must be a positive int or None, "
                         "got %r" % (batch_size,))
    if (isinstance(flush_secs, bool)
            or not isinstance(flush_secs, (int, float))
            or not flush_secs > 0):
        raise ValueError("flush_secs must be a positive number of "
                         "seconds, got %r" % (flush_secs,))
    if verbose not in (0, 1, True, False):
        raise ValueError("verbose must be 0 or 1, got %r" % (verbose,))
    if count_flops not in (True, False, "auto"):
        raise ValueError("count_flops must be True, False or 'auto', got %r"
                         % (count_flops,))


def check_writable(log_dir):
    """Refuses, before training, a log_dir that cannot be created or written."""
    existing = os.path.abspath(log_dir)
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    if not os.path.isdir(existing):
        raise ValueError("log_dir %r cannot be created: %r is a file"
                         % (log_dir, existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError("log_dir %r is not writable (no write permission "
                         "on %r)" % (log_dir, existing))
    try:
        # Permissions do not tell it all (root, read-only file systems).
        handle, probe = tempfile.mkstemp(prefix=".keras_timing_", dir=existing)
        os.close(handle)
        os.remove(probe)
    except OSError as e:
        raise ValueError("log_dir %r is not writable: %s" % (log_dir, e))
