"""The training-step stages on TensorFlow, each a `tf.function` like fit's.

Keras's TensorFlow `train_step` runs: forward under a `GradientTape`, loss,
loss tracker, loss scaling, `tape.gradient`, `optimizer.apply_gradients`,
`compute_metrics`. The base's programs run growing prefixes of that code,
compiled as `fit` compiles its step: `tf.function(reduce_retracing=True,
jit_compile=model.jit_compile)`, or eagerly when the model runs eagerly.
"""

import numpy as np
import tensorflow as tf
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
from keras.src.losses import loss as loss_module

import keras
from keras_timing.explanation import stages
from keras_timing.explanation.stages import base


class StagePrograms(base.StagePrograms):
    """TensorFlow's stage programs: see `base.StagePrograms`."""

    trainer_class = TensorFlowTrainer

    def describe_device(self):
        gpus = tf.config.list_logical_devices("GPU")
        self._gpu = bool(gpus)
        return "GPU (%s)" % gpus[0].name if gpus else "CPU"

    def compile(self, fn):
        fn = tf.autograph.experimental.do_not_convert(fn)
        if self.model.run_eagerly:
            return fn
        return tf.function(fn, reduce_retracing=True,
                           jit_compile=self.model.jit_compile)

    def gradients(self, data):
        weights = self.model.trainable_weights
        with tf.GradientTape() as tape:
            y_pred, loss = self.loss_parts(data)
            scaled = self.model.optimizer.scale_loss(loss)
        return y_pred, loss, tape.gradient(scaled, weights), weights

    def apply_gradients(self, grads, weights):
        self.model.optimizer.apply_gradients(zip(grads, weights))

    def batch_size(self, x):
        # Dynamic: a retraced program may not know the batch dimension.
        return tf.shape(stages.first_tensor(x))[0]

    def tracked_loss(self, loss):
        return loss_module.unscale_loss_for_distribution(loss)

    def train_step(self, data):
        # An iterator: the step function calls `next` on what it is given.
        return self.model.train_function(iter([data]))

    def batch_source(self, batches):
        # A tf.data iterator, as fit gives: Keras then runs
        # steps_per_execution steps in one program (a tf.while_loop).
        # Stacked in the form fit feeds, which a custom train_step unpacks.
        stacked = keras.tree.map_structure(lambda *t: np.stack(t), *batches)
        return iter(tf.data.Dataset.from_tensor_slices(stacked).repeat())

    def train_from(self, source):
        return self.model.train_function(source)

    def tensor(self, value):
        return tf.convert_to_tensor(value)

    def sync(self, outputs):
        if self._gpu:
            tf.test.experimental.sync_devices()
            return
        # On CPU a function returns when its ops ran, unless the user made
        # execution asynchronous; reading a value waits in that case too.
        leaves = [t for t in keras.tree.flatten(outputs)
                  if isinstance(t, (tf.Tensor, tf.Variable))]
        if leaves:
            min(leaves, key=lambda t: t.shape.num_elements() or 0).numpy()
