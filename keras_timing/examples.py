"""The article's two example models on synthetic data: Example 1 (dense
regression) and Example 2 (a small CNN).

Used by `keras-timing demo`, by `keras-timing explain` without a model file,
and by the tests; a leaf module (numpy, and the Keras module passed in), so
the command-line layer and `explanation` both import it.

Example:

>>> import keras
>>> model, x, y = dense_example(keras, samples=64)
>>> x.shape, y.shape, model.count_params()
((64, 10), (64, 1), 769)
"""

import numpy as np


def dense_example(keras, samples=1000):
    """Example 1: `Dense(64, relu) -> Dense(1)` on 10 features, MSE, Adam."""
    x = np.random.rand(samples, 10).astype("float32")
    y = np.random.rand(samples, 1).astype("float32")
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    return model, x, y


def cnn_example(keras, samples=1000, num_classes=10):
    """Example 2: Conv2D(32) -> MaxPool -> Dense(10) on 28x28x1 images."""
    x = np.random.rand(samples, 28, 28, 1).astype("float32")
    y = keras.utils.to_categorical(
        np.random.randint(0, num_classes, samples), num_classes=num_classes)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model, x, y


EXAMPLES = {"dense": dense_example, "cnn": cnn_example}
