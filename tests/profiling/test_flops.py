"""FLOPs of the article's CNN per step function, on the running backend, read
back from `backends.get().flops` and checked against the analytic count.

The analytic count (2 FLOPs per multiply-add, matmuls and convolutions):
forward = conv 26*26*32*9*2 = 389,376 + dense 5,408*10*2 = 108,160 =
497,536 per sample. A train step adds the conv filter gradient (389,376;
the input gradient of the first layer is not computed) and the dense
layer's input and weight gradients (2 x 108,160): 1,103,232, 2.22 x the
forward pass. torch's counter sees exactly these; XLA (JAX) and TF's graph
profiler add elementwise ops: bias adds, ReLU and pooling (~65,000 per
sample forward, +13%), their gradients and the Adam update (~54,000
parameters x ~15 ops / 32 samples). Hence the tolerances: predict within
[-1%, +25%] of 497,536, train within [-1%, +40%] of 1,103,232, and train
2 to 3 x predict.
"""

import warnings

import keras
import numpy as np
import pytest

from keras_timing import backend as backend_lib
from keras_timing.demo import cnn_example
from keras_timing.profiling import backends
from keras_timing.profiling import flops as flops_lib

BACKEND = keras.backend.backend()
FORWARD = 389_376 + 108_160
TRAIN = FORWARD + 389_376 + 2 * 108_160
BATCH = 32

pytestmark = pytest.mark.skipif(BACKEND not in backend_lib.BACKENDS,
                                reason="no profiler on %s" % BACKEND)


@pytest.fixture(scope="module")
def cnn():
    keras.utils.set_random_seed(0)
    model, x, y = cnn_example(keras, samples=2 * BATCH)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    return model, x, y


def state(model):
    """Every value a step could change: weights, optimizer, metrics."""
    variables = (model.variables + model.optimizer.variables
                 + model.metrics_variables)
    return [keras.ops.convert_to_numpy(v.value).copy() for v in variables]


def per_sample(model, step_function, batch):
    count = backends.get().flops(model, step_function, batch)
    assert count is not None, step_function
    return count / flops_lib.batch_size(batch)


def test_predict_flops_per_sample_near_the_analytic_count(cnn):
    model, x, _ = cnn
    found = per_sample(model, "predict", x[:BATCH])
    assert 0.99 * FORWARD <= found <= 1.25 * FORWARD, found


def test_train_flops_per_sample_near_the_analytic_count(cnn):
    model, x, y = cnn
    train = per_sample(model, "train", (x[:BATCH], y[:BATCH]))
    predict = per_sample(model, "predict", x[:BATCH])
    assert 0.99 * TRAIN <= train <= 1.40 * TRAIN, train
    assert 2.0 <= train / predict <= 3.0, (train, predict)


def test_test_step_counts_the_forward_pass_and_the_loss(cnn):
    model, x, y = cnn
    test = per_sample(model, "test", (x[:BATCH], y[:BATCH]))
    predict = per_sample(model, "predict", x[:BATCH])
    train = per_sample(model, "train", (x[:BATCH], y[:BATCH]))
    assert predict <= test < 1.1 * predict < train


def test_counting_changes_no_weight_optimizer_or_metric(cnn):
    model, x, y = cnn
    before = state(model)
    profiler = backends.get()
    for step_function in flops_lib.STEP_FUNCTION_NAMES:
        batch = x[:7] if step_function == "predict" else (x[:7], y[:7])
        assert profiler.flops(model, step_function, batch) is not None
    after = state(model)
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_counted_once_per_call_shape(cnn, monkeypatch):
    model, x, _ = cnn
    profiler = backends.get()
    counted = []
    real = profiler._flops

    def counting(model, step_function, batch):
        counted.append(flops_lib.batch_size(batch))
        return real(model, step_function, batch)

    monkeypatch.setattr(profiler, "_flops", counting)
    first = profiler.flops(model, "predict", x[:5])
    assert profiler.flops(model, "predict", x[5:10]) == first
    double = profiler.flops(model, "predict", x[:10])
    assert counted == [5, 10]
    assert double == pytest.approx(2 * first, rel=0.01)


def test_counted_during_fit_without_moving_the_compile_counter():
    keras.utils.set_random_seed(0)
    model, x, y = cnn_example(keras, samples=3 * BATCH)
    profiler = backends.get()
    seen = {}

    class Count(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                counter = profiler.compile_counter(self.model, "train")
                before = counter()
                seen["flops"] = profiler.flops(
                    self.model, "train", (x[:BATCH], y[:BATCH]))
                seen["compiles"] = counter() - before

    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
              callbacks=[Count()])
    assert 0.99 * TRAIN <= seen["flops"] / BATCH <= 1.40 * TRAIN
    assert seen["compiles"] == 0


def test_a_step_that_cannot_be_counted_gives_none_and_one_warning():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.zeros((4, 3), "float32")
    profiler = type(backends.get())()  # a fresh one: no earlier warnings
    with pytest.warns(UserWarning, match="FLOPs of the train step"):
        assert profiler.flops(model, "train", (x, x[:, :2])) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second failure says nothing
        assert profiler.flops(model, "train", (x[:2], x[:2, :2])) is None


def test_a_bad_step_function_is_refused_with_those_accepted(cnn):
    model, x, _ = cnn
    with pytest.raises(ValueError, match="step_function must be one of "
                       "'train', 'test', 'predict'; got 'fit'"):
        backends.get().flops(model, "fit", x[:BATCH])

