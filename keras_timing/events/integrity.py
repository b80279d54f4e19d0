"""Is an event file whole? Checked with tensorboard's own record reader.

TensorBoard's event loaders read a truncated or corrupt file up to the
damage and go on quietly; the report wants to say so. The record reader of
`tensorboard.compat.tensorflow_stub` checks each record's length and CRCs.
"""

from tensorboard.compat.tensorflow_stub import errors
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow


def damage(path):
    """Why the event file at `path` is damaged, or None if it is whole.

    Example:

    >>> damage("/no/such/file")  # doctest: +ELLIPSIS
    'cannot be read: ...'
    """
    try:
        reader = pywrap_tensorflow.PyRecordReader_New(path, 0, None)
        records = 0
        while True:
            reader.GetNext()
            records += 1
    except errors.OutOfRangeError:
        return None
    except errors.DataLossError as e:
        return "damaged after %d whole records: %s" % (records, e.message)
    except Exception as e:
        return "cannot be read: %s" % (e,)
