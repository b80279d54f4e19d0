"""What the timer reads from Keras that callbacks are not told (the private
names it reads are checked in `tests/test_private.py`)."""

import keras
import numpy as np
import pytest

from keras_timing.timer import keras_loop


def _adapter(x, y=None, batch_size=None, steps=None):
    from keras.src.trainers.data_adapters import get_data_adapter

    return get_data_adapter(x, y, batch_size=batch_size,
                            steps_per_epoch=steps, shuffle=False)


def test_arrays_give_batch_size_and_partial_batch():
    x = np.zeros((100, 3), "float32")
    info = keras_loop.adapter_info(_adapter(x, x, batch_size=32))
    assert (info.batch_size, info.num_batches, info.partial_batch_size) == (
        32, 4, 4)
    assert info.samples(0, 3) == 100 and info.samples(1, 1) == 32


def test_tf_data_batch_is_read_from_the_pipeline():
    tf = pytest.importorskip("tensorflow")
    x = np.zeros((100, 3), "float32")
    ds = (tf.data.Dataset.from_tensor_slices(({"a": x, "b": x}, x))
          .shuffle(10).batch(32).prefetch(2))
    info = keras_loop.adapter_info(_adapter(ds))
    assert (info.batch_size, info.partial_batch_size) == (32, 4)
    filtered = tf.data.Dataset.from_tensor_slices(x).filter(
        lambda v: True).batch(16)
    info = keras_loop.adapter_info(_adapter(filtered))
    # The cardinality is unknown: the batch is, the partial one is not.
    assert (info.batch_size, info.partial_batch_size) == (16, None)


def test_generator_and_py_dataset_batches_are_read_from_the_data():
    x = np.zeros((50, 3), "float32")

    def gen():
        while True:
            yield x[:8], x[:8]

    assert keras_loop.adapter_info(_adapter(gen(), steps=5)).batch_size == 8

    class Data(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            n = 16 if i < 3 else 2
            return x[:n], x[:n]

    info = keras_loop.adapter_info(_adapter(Data()))
    assert (info.batch_size, info.num_batches, info.partial_batch_size) == (
        16, 4, 2)


def test_no_frame_is_read_outside_a_keras_call():
    info, frame = keras_loop.call_frame(object())
    assert frame is None and info.batch_size is None


def test_model_names_are_folder_safe():
    assert keras_loop.model_name(type("M", (), {"name": "a/b c"})()) == "a_b_c"


def test_a_frame_on_another_thread_runs_until_it_returns_or_raises():
    # The writer thread asks whether a Keras loop's frame still runs; the
    # check must hold on this Python (else a died call is found only at the
    # next call, flush() or exit) and never walk the other thread's stack.
    import sys
    import threading

    assert keras_loop._TRACKED_ONCE_DONE, (
        "this Python tracks a running frame's object: still_running cannot "
        "tell a died call, see its docstring")
    frames, go, seen = [], threading.Event(), threading.Event()

    def loop(fail):
        frames.append(sys._getframe())
        seen.set()
        go.wait()
        if fail:
            raise RuntimeError("the user's step failed")

    for fail in (False, True):
        frames.clear()
        go.clear()
        seen.clear()
        t = threading.Thread(target=lambda: pytest.raises(
            RuntimeError, loop, True) if fail else loop(False))
        t.start()
        seen.wait()
        assert keras_loop.still_running(frames[0])
        go.set()
        t.join()
        assert not keras_loop.still_running(frames[0]), fail
