"""Windows a profile_steps schedule gives, found by enumeration, for the
test_schedule_*.py tests."""

from keras_timing.profiling.schedule import Window


def all_windows(obj, steps=200):
    """Every distinct Window met by one-step calls over 1..steps."""
    seen = []
    for s in range(1, steps + 1):
        w = obj.window(s, s)
        if w is not None and (not seen or seen[-1] != w):
            seen.append(w)
    return seen


def brute_window(windows, first, last):
    """The merged window for a call spanning first..last, by enumeration."""
    hit = [w for w in windows if w.start <= last and w.last >= first]
    if not hit:
        return None
    return Window(hit[0].start, hit[0].first, hit[-1].last)
