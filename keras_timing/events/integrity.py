"""Is an event file whole? Its records' lengths and CRCs, checked.

TensorBoard's event loaders read a truncated or corrupt file up to the
damage and go on quietly; the report wants to say so. The check is the
record framing of `records` (a C CRC32C), the same reading `reader` does.
"""

from keras_timing.events import reader


def damage(path):
    """Why the event file at `path` is damaged, or None if it is whole.

    Args:
        path: An event file.

    Example:

    >>> damage("/no/such/file")
    'cannot be read: No such file or directory'
    """
    return reader.read_file(path)[1]
