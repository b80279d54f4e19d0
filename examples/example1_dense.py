"""The article's Example 1 (dense regression), timed fairly.

The article times 10 epochs of `fit` against one pass of `predict`. Here the
timer logs every batch of both and compares them per sample, without the
compile step.

    python examples/example1_dense.py
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

timer = FitPredictTimer(log_dir="logs")
model.fit(X, y, epochs=10, batch_size=32, verbose=0, callbacks=[timer])
model.predict(X, verbose=0, callbacks=[timer])
print("fit/predict time per sample: %.2fx" % timer.fit_predict_ratio)
