"""Small models and data shared by the explanation tests."""

import numpy as np

import keras

# Few rounds: the tests check what the code does, not how fast.
FAST = dict(steps=4, warmup=2, fit_steps=4)
L2 = 0.01
LEARNING_RATE = 0.1


def mlp(inputs=8, width=16, metrics=("mae",), optimizer=None):
    """Dense(relu, L2 on its kernel) -> Dense(1), compiled with MSE."""
    model = keras.Sequential([
        keras.Input((inputs,)),
        keras.layers.Dense(width, activation="relu",
                           kernel_regularizer=keras.regularizers.L2(L2)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(LEARNING_RATE),
                  loss="mse", metrics=list(metrics))
    return model


def arrays(samples=128, inputs=8, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((samples, inputs), dtype=np.float32),
            rng.random((samples, outputs), dtype=np.float32))


class Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, x, training=False):
        return self.out(self.hidden(x))


class CustomStep(Subclassed):
    """Keras's step, plus a `custom` entry in its logs that shows it ran."""

    def train_step(self, *args, **kwargs):
        out = super().train_step(*args, **kwargs)
        if isinstance(out, tuple):  # JAX: (logs, state)
            return dict(out[0], custom=keras.ops.ones(())), out[1]
        return dict(out, custom=keras.ops.ones(()))


def values(variables):
    return [np.array(keras.ops.convert_to_numpy(v.value), copy=True)
            for v in variables]
