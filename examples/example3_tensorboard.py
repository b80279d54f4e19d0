"""The article's Example 3: Keras's TensorBoard callback, with the timer.

Both write into `logs/`: Keras's callback its own `train`/`validation` runs
under `logs/keras`, the timer its runs under `logs/<launch>/`. TensorBoard
shows both; only the timer has per-batch times and predict batches.

    python examples/example3_tensorboard.py
    tensorboard --logdir logs
"""

import numpy as np
import keras

from keras_timing import FitPredictTimer

X = np.random.rand(1000, 10)
y = np.random.rand(1000, 1)

model = keras.Sequential([
    keras.Input((10,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")

tensorboard_callback = keras.callbacks.TensorBoard(log_dir="logs/keras",
                                                   histogram_freq=1)
timer = FitPredictTimer(log_dir="logs")
model.fit(X, y, epochs=10, batch_size=32, verbose=0,
          callbacks=[tensorboard_callback, timer])
model.predict(X, verbose=0, callbacks=[timer])
