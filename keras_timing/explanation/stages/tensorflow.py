"""The training-step stages on TensorFlow, each a `tf.function` like fit's.

Keras's TensorFlow `train_step` runs: forward under a `GradientTape`, loss,
loss tracker, loss scaling, `tape.gradient`, `optimizer.apply_gradients`,
`compute_metrics`. The programs below run growing prefixes of that same code,
compiled as `fit` compiles its step: `tf.function(reduce_retracing=True,
jit_compile=model.jit_compile)`, or eagerly when the model runs eagerly.
"""

import tensorflow as tf
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
from keras.src.losses import loss as loss_module
from keras.src.trainers.data_adapters import data_adapter_utils

import keras
from keras_timing.explanation import stages


class StagePrograms:
    """Cumulative stage programs of `model` (see `keras_timing.explanation.stages`).

    Args:
        model: A compiled, built `keras.Model`.

    Example:

    ```python
    p = StagePrograms(model)
    data = p.to_device((x_batch, y_batch, None))
    for name, fn in p.stages:
        p.sync(fn(data))
    ```
    """

    def __init__(self, model):
        self.model = model
        self.merged = {}
        gpus = tf.config.list_logical_devices("GPU")
        self.device = "GPU (%s)" % gpus[0].name if gpus else "CPU"
        self._gpu = bool(gpus)
        named = stages.cumulative(
            model, TensorFlowTrainer, self.merged,
            [self._dispatch, self._forward, self._loss, self._backward,
             self._optimizer, self._metrics], model.train_step)
        self.stages = [(name, self._compile(fn)) for name, fn in named]
        model.make_train_function()
        model.make_predict_function()

    def _compile(self, fn):
        fn = tf.autograph.experimental.do_not_convert(fn)
        if self.model.run_eagerly:
            return fn
        return tf.function(fn, reduce_retracing=True,
                           jit_compile=self.model.jit_compile)

    # ---- the stages, each the previous one plus one piece ------------------

    def _dispatch(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return tf.shape(stages.first_tensor(x))[0]

    def _forward(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self.model(x, **stages.training_kwargs(self.model, True))

    def _loss_parts(self, data):
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred = self.model(x, **stages.training_kwargs(self.model, True))
        loss = self.model._compute_loss(x=x, y=y, y_pred=y_pred,
                                        sample_weight=sw, training=True)
        return y_pred, loss

    def _loss(self, data):
        _, loss = self._loss_parts(data)
        return self.model.optimizer.scale_loss(loss)

    def _gradients(self, data):
        weights = self.model.trainable_weights
        with tf.GradientTape() as tape:
            y_pred, loss = self._loss_parts(data)
            scaled = self.model.optimizer.scale_loss(loss)
        return y_pred, loss, tape.gradient(scaled, weights), weights

    def _backward(self, data):
        _, loss, grads, _ = self._gradients(data)
        return loss, grads

    def _apply(self, data):
        y_pred, loss, grads, weights = self._gradients(data)
        self.model.optimizer.apply_gradients(zip(grads, weights))
        return y_pred, loss

    def _optimizer(self, data):
        # The weight updates are stateful ops, so returning only the loss
        # does not let the compiler drop them.
        return self._apply(data)[1]

    def _metrics(self, data):
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred, loss = self._apply(data)
        tracker = getattr(self.model, "_loss_tracker", None)
        if tracker is not None:
            tracker.update_state(
                loss_module.unscale_loss_for_distribution(loss),
                sample_weight=tf.shape(stages.first_tensor(x))[0])
        return self.model.compute_metrics(x, y, y_pred, sample_weight=sw)

    # ---- the model's own functions ----------------------------------------

    def train_step(self, data):
        # `train_on_batch` feeds `train_function` the same way: an iterator
        # over one batch; fit's loop only differs in where batches come from.
        return self.model.train_function(iter([data]))

    def predict_step(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self.model.predict_function([(x,)])

    # ---- data and device --------------------------------------------------

    def to_device(self, data):
        return keras.tree.map_structure(
            lambda t: None if t is None else tf.convert_to_tensor(t), data)

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

    def finish(self):
        """Nothing to hand back: the programs updated the variables."""
