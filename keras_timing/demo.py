"""The article's Example 1 (dense regression) and Example 2 (small CNN), timed.

Synthetic data as in the article; the same model definitions, with
`FitPredictTimer` attached to `fit` and `predict`.
"""

import time

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


# The demo's profiler captures: a train window in the second epoch (after
# compilation) and a predict window; the Profile tab shows both.
PROFILE = {"profile_steps": (30, 34), "profile_predict_steps": (3, 5)}


def run(log_dir="logs", epochs=3, timer_kwargs=None, print_fn=print):
    """Runs both examples with a timer each; returns their launch folders.

    `timer_kwargs` default to `PROFILE`.
    """
    import keras

    from keras_timing import FitPredictTimer

    stamp = time.strftime("%Y%m%d-%H%M%S")
    launches = []
    for i, (name, make) in enumerate(EXAMPLES.items(), 1):
        print_fn("[%d/%d] %s: fit %d epochs (batch 32, validation 20%%), "
                 "then predict" % (i, len(EXAMPLES), name, epochs))
        model, x, y = make(keras)
        timer = FitPredictTimer(
            log_dir=log_dir, launch_name="%s-example%d-%s" % (stamp, i, name),
            # The demo shows FLOPs, however short its fits.
            **dict({"count_flops": True},
                   **(PROFILE if timer_kwargs is None else timer_kwargs)))
        model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.2,
                  verbose=2, callbacks=[timer])
        model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
        launches.append(timer.launch_dir)
    return launches
