"""What a user sees when no capture is left running: `stop()` has nothing
to save, and the next capture starts and writes a trace the profiler's
reader opens (the framework's own profiler is free too, or `start` would
raise `ProfilerBusy`)."""

import os

import keras
import pytest
from profiling.traces import XPLANE
from profiling.traces import overview
from profiling.traces import overview_steps
from profiling.traces import torch_steps


def assert_none_running(profiler, folder):
    """Fails if a capture (ours or the framework's) is still running.

    Args:
        profiler: The backend's profiler (`backends.get()`).
        folder: A new folder for the probing capture and its read-back.
    """
    assert profiler.stop() == []
    session = os.path.join(str(folder), "probe")
    profiler.start(session)
    marker = profiler.open_step("probe", 1)
    x = keras.ops.ones((128, 128))
    keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.matmul(x, x)))
    profiler.close_step(marker)
    paths = profiler.stop()
    (main,) = [p for p in paths if p.endswith(profiler.trace_suffix)]
    assert os.path.dirname(main) == session
    if XPLANE:
        page = overview(main, os.path.join(str(folder), "read"))
        assert overview_steps(page) == [("probe", 1)]
    else:
        assert torch_steps(main) == [1]


@pytest.fixture
def no_capture_left_running():
    """Fails the test that leaves a capture running (`stop()` saves a
    capture left running and returns its files). Import it into a test
    module with `pytestmark = pytest.mark.usefixtures(...)` or as an
    argument."""
    yield
    from keras_timing.profiling import backends

    if backends.get().stop():
        pytest.fail("the test left a capture running")
