"""StepTimes made by hand for the RunStats tests (test_stats_*.py)."""

from keras_timing.analysis.steps import StepTime


def step(first, batch, wait=0.0, kind=None, samples=32, epoch=0.0,
         last=None):
    """One StepTime of the call of steps first..last, ending at time `last`.

    Args:
        first: the call's first step.
        batch: its batch time in ms.
        wait: its input wait in ms.
        kind: None (a counted step) or a StepKind value ("first", ...).
        samples: the call's samples, None when unknown.
        epoch: the epoch-start gap before it, ms.
        last: the call's last step (`first` when None).

    Example:
        >>> t = step(3, 4.0, last=4)
        >>> (t.first_step, t.last_step, t.end_time)
        (3, 4, 4.0)
    """
    last = first if last is None else last
    return StepTime(first, last, batch, wait, float(last), kind, samples,
                    epoch)
