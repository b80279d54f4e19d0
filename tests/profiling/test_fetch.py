"""The fetch clock, alone and in a real fit: `timing/fetch_ms` read back
from the event files (tbparse) against the data source's own sleep, which
no busy machine can shorten.

Run once per backend: KERAS_BACKEND=tensorflow|jax|torch.
"""

import os
import time

import keras
import numpy as np
import pytest
from conftest import read_scalars

from keras_timing import FitPredictTimer
from keras_timing import schema
from keras_timing.demo import dense_example
from keras_timing.profiling import fetch

BACKEND = keras.backend.backend()
DELAY_S = 0.004


def test_the_clock_sums_each_next_and_the_meter_reads_what_is_new():
    clock = fetch.FetchClock()

    def slow_batches(n):
        for i in range(n):
            time.sleep(DELAY_S)  # a slow source
            yield i

    made = clock.timed(slow_batches)
    meter = clock.meter()
    assert list(made(3)) == [0, 1, 2]
    first = meter()
    assert first >= 3 * DELAY_S * 1e3
    assert meter() == 0.0
    assert list(made(2)) == [0, 1]
    assert meter() >= 2 * DELAY_S * 1e3
    assert clock.fetches == 3 + 2  # batches; the end of the data is not
    assert clock.iterators == 2
    assert clock.first_ms >= 2 * DELAY_S * 1e3
    assert clock.first_ms <= clock.total_ms


def test_an_adapter_is_wrapped_once_and_only_where_python_reads():
    class Adapter:
        def get_jax_iterator(self):
            return iter([1, 2])

    adapter = Adapter()
    clock = fetch.clock_of(adapter, ("get_jax_iterator",))
    assert fetch.clock_of(adapter, ("get_jax_iterator",)) is clock
    assert list(adapter.get_jax_iterator()) == [1, 2]
    assert clock.fetches == 2 and clock.iterators == 1
    assert fetch.clock_of(object(), ("get_jax_iterator",)) is None
    assert fetch.clock_of(None, ("get_jax_iterator",)) is None


class Sleepy(keras.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // 32

    def __getitem__(self, i):
        time.sleep(DELAY_S)  # the user's slow source
        return self.x[i * 32:(i + 1) * 32], self.y[i * 32:(i + 1) * 32]


def sleepy_generator(x, y):
    for i in range(len(x) // 32):
        time.sleep(DELAY_S)  # the user's slow source
        yield x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]


def fit_points(tmp_path, make):
    model, x, y = dense_example(keras, samples=320)
    data, kwargs = make(x, y)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(data, verbose=0, callbacks=[timer], **kwargs)
    timer.flush()
    scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    return scalars.get(schema.FETCH_MS), scalars[schema.BATCH_MS]


def tf_data(x, y):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(32), {
        "epochs": 2}


CASES = {
    "arrays": (lambda x, y: (x, {"y": y, "batch_size": 32, "epochs": 2}),
               ("jax",)),
    "tf.data": (tf_data, ("jax",)),
    "PyDataset": (lambda x, y: (Sleepy(x, y), {"epochs": 2}),
                  ("jax", "tensorflow")),
    "generator": (lambda x, y: (sleepy_generator(x, y), {}),
                  ("jax", "tensorflow")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fetch_ms_is_written_inside_batch_ms(tmp_path, case):
    make, backends = CASES[case]
    if BACKEND not in backends:
        pytest.skip("%s is not read through Python inside the step on %s"
                    % (case, BACKEND))
    fetched, batches = fit_points(tmp_path, make)
    assert fetched, "no %s points" % schema.FETCH_MS
    steps = dict(batches)
    assert set(dict(fetched)) <= set(steps)
    values = np.array([v for _, v in fetched])
    assert (values >= 0).all()
    sleeps = case in ("PyDataset", "generator")
    if BACKEND == "jax":
        # Read by the step itself: inside the steps' batch time (a step
        # dispatched ahead may read while the one before still runs, so
        # per run, not per step), and at least the source's sleep.
        assert values.sum() <= sum(v for _, v in batches)
        if sleeps:
            # Keras peeks a generator's first 2 batches before the fit (read
            # again from memory): every later batch waits for the source.
            peeked = 2 if case == "generator" else 1
            assert (values[peeked:] >= DELAY_S * 1e3).all(), values
    elif sleeps:
        # TensorFlow's producer may read a batch ahead of the step.
        assert values.sum() >= (len(steps) - 2) * DELAY_S * 1e3


@pytest.mark.skipif(BACKEND != "jax", reason="JAX reads arrays in the step")
def test_the_first_read_of_each_epoch_is_written_on_its_first_step_only(
        tmp_path):
    model, x, y = dense_example(keras, samples=320)   # 10 steps an epoch
    shares = {}
    for epochs in (3, 1):
        timer = FitPredictTimer(log_dir=str(tmp_path / str(epochs)),
                                verbose=0)
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=0,
                  callbacks=[timer])
        timer.flush()
        scalars = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
        first = dict(scalars[schema.EPOCH_FETCH_MS])
        # One point an epoch, where the epoch begins (its epoch_start_ms),
        # not a zero on every step; each a real read.
        assert sorted(first) == [s for s, _ in scalars[
            schema.EPOCH_START_MS]] == list(range(1, 10 * epochs, 10))
        assert min(first.values()) > 0.0
        assert len(scalars[schema.FETCH_MS]) == 10 * epochs
        shares[epochs] = {
            k: scalars[schema.SUMMARY_SCALARS + k][-1][1]
            for k in ("fetch_share", "epoch_fetch_share")}
    # Epochs 2-3 begin with counted steps: their first reads are counted.
    assert shares[3]["epoch_fetch_share"] > 0.0
    # One epoch: its first read is in the call's first step, left out; the
    # counted steps measured their reads and had no first one: 0, not
    # "not measured".
    assert shares[1]["epoch_fetch_share"] == 0.0
    assert shares[1]["fetch_share"] > 0.0


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow only")
def test_tf_data_read_in_the_graph_writes_no_fetch_points(tmp_path):
    fetched, batches = fit_points(tmp_path, tf_data)
    assert batches and not fetched
