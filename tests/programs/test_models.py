"""Models written the ways Keras's guides write them: a subclassed model
with `call()`, and a custom `train_step` per backend ("customizing what
happens in fit")."""

import keras
import numpy as np
from keras import ops

from keras_timing import FitPredictTimer
from keras_timing import schema
from tests.programs import readback

BATCH = 32


class Net(keras.Model):
    """A subclassed model: layers in `__init__`, the forward pass in `call`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.dropout = keras.layers.Dropout(0.1)
        self.out = keras.layers.Dense(1)

    def call(self, x, training=False):
        return self.out(self.dropout(self.hidden(x), training=training))


class CustomStep(Net):
    """`Net` with its own `train_step`, written for the running backend."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, *args):
        backend = keras.backend.backend()
        return getattr(self, "_%s_step" % backend)(*args)

    def _tensorflow_step(self, data):
        import tensorflow as tf

        x, y = data
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(self(x, training=True) - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def _torch_step(self, data):
        import torch

        x, y = data
        self.zero_grad()
        loss = ops.mean(ops.square(self(x, training=True) - y))
        loss.backward()
        grads = [v.value.grad for v in self.trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(grads, self.trainable_weights)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def _loss(self, trainable, non_trainable, x, y):
        pred, non_trainable = self.stateless_call(trainable, non_trainable,
                                                  x, training=True)
        return ops.mean(ops.square(pred - y)), non_trainable

    def _jax_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_vars, metric_vars = state
        x, y = data
        (loss, non_trainable), grads = jax.value_and_grad(
            self._loss, has_aux=True)(trainable, non_trainable, x, y)
        trainable, optimizer_vars = self.optimizer.stateless_apply(
            optimizer_vars, grads, trainable)
        metric_vars = self.loss_tracker.stateless_update_state(
            metric_vars, loss)
        logs = {"loss": self.loss_tracker.stateless_result(metric_vars)}
        return logs, (trainable, non_trainable, optimizer_vars, metric_vars)


def _data(seed, n):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 5), dtype="float32"),
            rng.random((n, 1), dtype="float32"))


def test_custom_train_step(tmp_path):
    x, y = _data(8, 140)
    model = CustomStep()
    model.compile(optimizer="adam")
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, x, y, epochs=2, batch_size=BATCH,
                               verbose=0, callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, x, batch_size=BATCH,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()

    per_epoch = -(-140 // BATCH)
    launch = readback.assert_fit_then_predict(
        timer, counter, fit_ms, predict_ms, 2 * per_epoch, per_epoch)
    readback.assert_samples_per_sec(launch, schema.TRAIN, 2 * 140)


def test_subclassed_model_with_validation_data(tmp_path):
    x, y = _data(9, 128)
    xv, yv = _data(10, 40)
    model = Net()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, x, y, epochs=2, batch_size=BATCH,
                               validation_data=(xv, yv), verbose=0,
                               callbacks=[timer, counter])
    _, predict_ms = readback.timed(model.predict, x, batch_size=BATCH,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()
    launch = timer.launch_dir

    assert counter.calls["train"] == [8]
    assert counter.calls["test"] == [2, 2]
    readback.assert_steps(launch, schema.TRAIN, 8)
    readback.assert_steps(launch, schema.VALIDATION, 4)
    readback.assert_steps(launch, schema.PREDICT, 4)
    readback.assert_fit_accounted(launch, fit_ms, counter=counter)
    readback.assert_predict_accounted(launch, predict_ms, counter)
    readback.assert_samples_per_sec(launch, schema.VALIDATION, 2 * 40)
    readback.assert_ratio_present(launch, timer)
