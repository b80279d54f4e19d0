"""Models with their own `train_step`, written as the Keras guides and
examples write them for each backend: the guide's `x, y = data`, and a
VAE-style step that reads only `x` (no targets, no compiled loss).

Each records the structure `train_step` was handed (`seen`), so a test can
compare what `fit` hands it with what `explain` does.
"""

import keras

BACKEND = keras.backend.backend()


def structure(data):
    """`tuple2`, `tuple3`, `tensor`, ...: the shape of a batch's nesting."""
    if isinstance(data, (tuple, list)):
        return "tuple%d" % len(data)
    return "tensor"


class _Step(keras.Model):
    """A two-layer model whose `loss(x, y, y_pred)` its step minimises."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(self.outputs_width)
        self.tracker = keras.metrics.Mean(name="loss")
        self.seen = []

    def call(self, x, training=False):
        return self.out(self.hidden(x))

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, *args):
        data = args[-1]
        self.seen.append(structure(data))
        x, y = self.split(data)
        if BACKEND == "jax":
            return self._jax_step(args[0], x, y)
        if BACKEND == "torch":
            import torch

            self.zero_grad()
            loss = self.loss_of(x, y, self(x, training=True))
            loss.backward()
            weights = self.trainable_weights
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in weights],
                                     weights)
        else:
            import tensorflow as tf

            with tf.GradientTape() as tape:
                loss = self.loss_of(x, y, self(x, training=True))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    def _jax_step(self, state, x, y):
        # The JAX guide's stateless step: value_and_grad, stateless_apply.
        import jax

        tv, ntv, ov, mv = state

        def loss_fn(tv, ntv):
            y_pred, ntv = self.stateless_call(tv, ntv, x, training=True)
            return self.loss_of(x, y, y_pred), ntv

        (loss, ntv), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            tv, ntv)
        tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
        mv = self.tracker.stateless_update_state(mv, loss)
        return {"loss": self.tracker.stateless_result(mv)}, (tv, ntv, ov, mv)


class GuideStep(_Step):
    """The guide's pattern: `x, y = data`, mean squared error."""

    outputs_width = 1

    def split(self, data):
        x, y = data
        return x, y

    def loss_of(self, x, y, y_pred):
        return keras.ops.mean(keras.ops.square(y - y_pred))


class Autoencoder(_Step):
    """VAE-style: `fit(x)`; the step reconstructs `x`, no targets."""

    outputs_width = 8

    def split(self, data):
        return data, None

    def loss_of(self, x, y, y_pred):
        return keras.ops.mean(keras.ops.square(x - y_pred))


class NoPredict(Autoencoder):
    """As the keras.io VAE, which defines no `call`: its `predict` cannot
    run (here its `predict_step` says so)."""

    def predict_step(self, *args):
        raise NotImplementedError("this model only trains")
