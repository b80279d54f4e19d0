"""The article's Example 2 (a small CNN on 28x28 images), timed fairly.

    python examples/example2_cnn.py
    tensorboard --logdir logs
"""

import numpy as np
import keras

from keras_timing import FitPredictTimer

img_height, img_width, num_classes, num_samples = 28, 28, 10, 1000
X = np.random.rand(num_samples, img_height, img_width, 1)
y = keras.utils.to_categorical(
    np.random.randint(0, num_classes, num_samples), num_classes=num_classes)

model = keras.Sequential([
    keras.Input((img_height, img_width, 1)),
    keras.layers.Conv2D(32, (3, 3), activation="relu"),
    keras.layers.MaxPooling2D((2, 2)),
    keras.layers.Flatten(),
    keras.layers.Dense(num_classes, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy",
              metrics=["accuracy"])

timer = FitPredictTimer(log_dir="logs")
model.fit(X, y, epochs=10, batch_size=32, validation_split=0.2, verbose=0,
          callbacks=[timer])
model.evaluate(X, y, verbose=0, callbacks=[timer])
model.predict(X, verbose=0, callbacks=[timer])
print("fit/predict time per sample: %.2fx" % timer.fit_predict_ratio)
