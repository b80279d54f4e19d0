"""Warm-up: a run's passes (train: epochs; validation, evaluate, predict:
calls) and which of them its figures are made of.

A run's first pass carries one-off costs besides compilation (caches,
allocators, thread pools starting, a fresh pipeline's first fetches). Once
its later passes hold as many counted steps, they stand for the run and
the first pass is left out of the totals; until then every pass counts.
"""


def later_passes_stand(first_steps, later_steps):
    """Whether a run's later passes stand for it, its first pass (warm-up)
    left out: once they hold as many counted steps as the first, so that a
    short later call cannot replace a long first one.

    >>> later_passes_stand(30, 62), later_passes_stand(300, 3)
    (True, False)
    """
    return later_steps >= max(first_steps, 1)


def steady(times):
    """The `StepTime`s (in step order) whose counted steps make a run's
    figures: those after the first pass where the later passes stand.

    >>> from keras_timing.analysis.steps import StepTime
    >>> ts = [StepTime(i, i, 1.0, 0.0, 0.0, opens=i in (1, 3))
    ...       for i in (1, 2, 3, 4)]
    >>> [t.first_step for t in steady(ts)]
    [3, 4]
    """
    passes, split, counted = 0, None, [0, 0]
    for i, t in enumerate(times):
        passes += bool(t.opens)
        if passes == 2 and split is None:
            split = i
        if t.kind is None:
            counted[passes > 1] += t.steps
    if split is not None and later_passes_stand(*counted):
        return times[split:]
    return times


class Totals:
    """Sums over counted steps: steps, batch and input wait ms, the
    samples and whole intervals (ms) of the steps of known batch size, and
    each measured step figure's ms (`measured`, by name)."""

    __slots__ = ("steps", "batch_ms", "wait_ms", "samples", "sampled_ms",
                 "measured")

    def __init__(self):
        self.steps = self.samples = 0
        self.batch_ms = self.wait_ms = self.sampled_ms = 0.0
        self.measured = {}

    def plus(self, other):
        out = Totals()
        for name in self.__slots__[:-1]:
            setattr(out, name, getattr(self, name) + getattr(other, name))
        for d in (self.measured, other.measured):
            for k, v in d.items():
                out.measured[k] = out.measured.get(k, 0.0) + v
        return out

    def add(self, t):
        n = t.steps
        self.steps += n
        self.batch_ms += t.batch_ms * n
        self.wait_ms += t.input_wait_ms * n
        if t.values:
            for k, v in t.values.items():
                self.measured[k] = self.measured.get(k, 0.0) + v * n
        if t.samples and t.samples > 0:
            self.samples += t.samples
            self.sampled_ms += t.interval_ms
