"""TFRecord framing of event files, with a C CRC32C where there is one.

A record is `uint64 length, uint32 masked crc(length), data, uint32 masked
crc(data)`, as tensorboard's `RecordWriter` and TensorFlow write it.
tensorboard computes the CRC in pure Python, far slower than
`google-crc32c` (tensorboard#4354; measured in benchmarks/README.md,
"Per-step cost"); both are used through this module, so the writer and
every reader here pay the C price.
The pure-Python CRC of tensorboard's stub is kept for where
`google-crc32c` cannot be imported.
"""

import struct

try:
    import google_crc32c
except ImportError:  # pragma: no cover - exercised by forcing the fallback
    google_crc32c = None


def _python_crc32c(data):
    """tensorboard's pure-Python CRC32C, imported when first needed: its
    module pulls tensorboard's TensorFlow stub, gfile and boto3, which slow
    every process's start-up, the timer's and the report's (measured in
    benchmarks/README.md, "Per-step cost near the limit")."""
    from tensorboard.compat.tensorflow_stub import pywrap_tensorflow

    return pywrap_tensorflow.crc32c(data)

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_MASK_DELTA = MASK_DELTA = 0xA282EAD8


if google_crc32c is not None and google_crc32c.implementation == "c":
    crc32c = google_crc32c.value
    IMPLEMENTATION = "c"
else:  # pragma: no cover - depends on the installed wheel
    crc32c = _python_crc32c
    IMPLEMENTATION = "python"


def masked_crc32c(data, crc=None):
    """The masked CRC32C TFRecord framing stores, of `data`.

    Args:
        data: Bytes to checksum.
        crc: The CRC32C function; the fastest one here by default.

    >>> from tensorboard.compat.tensorflow_stub import pywrap_tensorflow
    >>> masked_crc32c(b"abc") == pywrap_tensorflow.masked_crc32c(b"abc")
    True
    """
    x = (crc or crc32c)(data)
    return (((x >> 15) | (x << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def header(length):
    """A record's length and its masked CRC, remembered per length (a
    writer's records come in few lengths).

    >>> header(3) == frame(b"abc")[:12]
    True
    """
    framed = _HEADERS.get(length)
    if framed is None:
        packed = _LENGTH.pack(length)
        framed = _HEADERS[length] = packed + _CRC.pack(masked_crc32c(packed))
        if len(_HEADERS) > 4096:
            _HEADERS.clear()
    return framed


_HEADERS = {}


def frame(data):
    """`data` framed as one record, ready to append to an event file.

    Args:
        data: A serialized `Event`.

    >>> len(frame(b"abc"))
    19
    """
    return b"".join((header(len(data)), data,
                     _CRC.pack(masked_crc32c(data))))


def split(buffer, name="<bytes>"):
    """The records of an event file's bytes, and why it is damaged.

    Reads up to the first damage, as tensorboard's readers do, and returns
    `(records, reason)`: `reason` is None for a whole file, else a sentence
    saying what is wrong after how many whole records.

    Args:
        buffer: The file's bytes.
        name: The file's name, for the reason.

    >>> split(frame(b"abc") + frame(b"de"))
    ([b'abc', b'de'], None)
    >>> split(frame(b"abc")[:-1])[1]
    'damaged after 0 whole records: <bytes> has truncated record in data crc'
    """
    records = []
    view = bytes(buffer)
    at, end = 0, len(buffer)
    problem = None
    while at < end:
        if end - at < 8:
            problem = "has truncated record in header"
            break
        header = view[at:at + 8]
        if end - at < 12:
            problem = "has truncated record in header crc"
            break
        if masked_crc32c(header) != _CRC.unpack_from(view, at + 8)[0]:
            problem = "failed header crc32 check"
            break
        length = _LENGTH.unpack_from(view, at)[0]
        start = at + 12
        if end - start < length:
            problem = "has truncated record in data"
            break
        data = view[start:start + length]
        if end - start - length < 4:
            problem = "has truncated record in data crc"
            break
        if masked_crc32c(data) != _CRC.unpack_from(view, start + length)[0]:
            problem = "failed event crc32 check"
            break
        records.append(data)
        at = start + length + 4
    if problem is None:
        return records, None
    return records, "damaged after %d whole records: %s %s" % (
        len(records), name, problem)
