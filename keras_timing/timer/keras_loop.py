"""What the running Keras loop knows and its callbacks are not told.

Keras 3 hands callbacks neither the batch size nor whether an evaluation runs
inside `fit` (validation) or on its own. Both are in the trainer's frame: its
`epoch_iterator` holds the data adapter (batch size, batch count, size of the
last partial batch), and a `fit` frame of the same model above an `evaluate`
frame means validation. Reading frames is read-only and happens once per
fit/evaluate/predict call, never per batch.
"""

import sys
from dataclasses import dataclass

_MAX_DEPTH = 30


@dataclass(frozen=True)
class LoopInfo:
    batch_size: object = None
    num_batches: object = None
    partial_batch_size: object = None
    inside_fit: bool = False

    def samples(self, first_local, last_local):
        """Samples in local steps first..last (0-based), or None."""
        if not self.batch_size:
            return None
        n = (last_local - first_local + 1) * self.batch_size
        if (self.partial_batch_size and self.num_batches
                and first_local <= self.num_batches - 1 <= last_local):
            n += self.partial_batch_size - self.batch_size
        return n


def _int_or_none(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def loop_info(model):
    """Reads the calling Keras loop's data adapter; never raises."""
    batch_size = num_batches = partial = None
    inside_fit = False
    found_iterator = False
    try:
        frame = sys._getframe(1)
        for _ in range(_MAX_DEPTH):
            if frame is None:
                break
            local = frame.f_locals
            if not found_iterator and "epoch_iterator" in local:
                adapter = getattr(local["epoch_iterator"], "data_adapter", None)
                if adapter is not None:
                    found_iterator = True
                    batch_size = _int_or_none(_get(adapter, "batch_size"))
                    num_batches = _int_or_none(_get(adapter, "num_batches"))
                    if _get(adapter, "has_partial_batch"):
                        partial = _int_or_none(
                            _get(adapter, "partial_batch_size"))
            elif (found_iterator and frame.f_code.co_name == "fit"
                  and local.get("self") is model):
                inside_fit = True
                break
            frame = frame.f_back
    except Exception:
        pass
    finally:
        frame = None
    return LoopInfo(batch_size, num_batches, partial, inside_fit)


def _get(obj, name):
    try:
        return getattr(obj, name)
    except Exception:
        return None


def leading_dim(outputs):
    """Rows in a predict batch's outputs (first array leaf), or None."""
    while isinstance(outputs, (list, tuple, dict)):
        if not outputs:
            return None
        outputs = (next(iter(outputs.values())) if isinstance(outputs, dict)
                   else outputs[0])
    shape = getattr(outputs, "shape", None)
    return int(shape[0]) if shape else None


def trainer_frame(model):
    """The frame of the running `fit`/`evaluate`/`predict` of `model`.

    The callback keeps it while a profiler capture runs, to tell later
    whether that call is still running or died by an exception (Keras calls
    no end hook then).
    """
    try:
        frame = sys._getframe(1)
        for _ in range(_MAX_DEPTH):
            if frame is None:
                return None
            if (frame.f_code.co_name in ("fit", "evaluate", "predict")
                    and frame.f_locals.get("self") is model):
                return frame
            frame = frame.f_back
    except Exception:
        pass
    return None


def still_running(frame, thread_id):
    """Whether `frame` is on the current stack of thread `thread_id`."""
    current = sys._current_frames().get(thread_id)
    while current is not None:
        if current is frame:
            return True
        current = current.f_back
    return False
