"""Long runs: points merged in blocks once a run has many steps."""

from keras_timing.analysis.steps import UNKNOWN_SAMPLES
from keras_timing.analysis.steps import StepTime


class Decimator:
    """Passes points through for `full_steps` steps, then merges blocks.

    Each merged point covers `block_steps` steps (fewer for the last one of
    a call): its `batch_ms` and `input_wait_ms` are the block's means per
    step (so are the measured step figures') and its step count is exact,
    so sums over points stay exact. A
    first step, a recompile and an epoch's or a call's first step keep
    points of their own.

    Args:
        full_steps: Steps written one point each before decimation starts.
        block_steps: Steps per point after that.
    """

    def __init__(self, full_steps, block_steps):
        self.full_steps = full_steps
        self.block_steps = block_steps
        self.seen = 0
        self._block = []
        self._block_steps = 0

    def push(self, t):
        """Returns the points to write now (zero, one or two)."""
        self.seen += t.steps
        own_point = t.kind or t.opens or t.epoch_start_ms
        if own_point or self.seen <= self.full_steps:
            return self.flush() + [t] if self._block else [t]
        self._block.append(t)
        self._block_steps += t.steps
        if self._block_steps >= self.block_steps:
            return self.flush()
        return []

    def flush(self):
        if not self._block:
            return []
        block, self._block, self._block_steps = self._block, [], 0
        if len(block) == 1:
            return block
        steps = sum(t.steps for t in block)
        samples = [t.samples for t in block]
        values = {}
        for t in block:
            for k, v in (t.values or {}).items():
                values[k] = values.get(k, 0.0) + v * t.steps
        return [StepTime(
            values={k: v / steps for k, v in values.items()} or None,
            first_step=block[0].first_step,
            last_step=block[-1].last_step,
            batch_ms=sum(t.batch_ms * t.steps for t in block) / steps,
            input_wait_ms=sum(t.input_wait_ms * t.steps for t in block) / steps,
            end_time=block[-1].end_time,
            samples=(sum(samples) if all(n and n > 0 for n in samples)
                     else None if None in samples else UNKNOWN_SAMPLES),
        )]
