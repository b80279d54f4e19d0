"""The training-step stages on torch, run as Keras's torch trainer runs them.

Keras's torch `train_step` runs eagerly (`torch.compile` only with
`jit_compile=True`): forward, `zero_grad`, loss, loss tracker, loss scaling,
`loss.backward()`, `optimizer.apply` under `no_grad`, `compute_metrics`. The
programs below are growing prefixes of that same code, compiled only when the
model is.
"""

import torch
from keras.src.backend.torch.trainer import TorchTrainer
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
        self._cuda = torch.cuda.is_available()
        self.device = ("GPU (%s)" % torch.cuda.get_device_name()
                       if self._cuda else "CPU")
        model.make_train_function()
        model.make_predict_function()
        named = stages.cumulative(
            model, TorchTrainer, self.merged,
            [self._dispatch, self._forward, self._loss, self._backward,
             self._optimizer, self._metrics], model.train_step)
        self.stages = [(name, self._compile(fn)) for name, fn in named]

    def _compile(self, fn):
        # As the trainer decides for its own step (torch>=2.1 only).
        if self.model._should_torch_compile():
            return torch.compile(fn)
        return fn

    # ---- the stages, each the previous one plus one piece ------------------

    def _dispatch(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return stages.first_tensor(x).shape[0]

    def _forward(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self.model(x, **stages.training_kwargs(self.model, True))

    def _loss_parts(self, data, zero_grad=False):
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred = self.model(x, **stages.training_kwargs(self.model, True))
        if zero_grad:
            # Part of the backward stage: it clears the last step's grads.
            self.model.zero_grad()
        loss = self.model._compute_loss(x=x, y=y, y_pred=y_pred,
                                        sample_weight=sw, training=True)
        return y_pred, loss

    def _loss(self, data):
        _, loss = self._loss_parts(data)
        return self.model.optimizer.scale_loss(loss)

    def _gradients(self, data):
        y_pred, loss = self._loss_parts(data, zero_grad=True)
        self.model.optimizer.scale_loss(loss).backward()
        weights = self.model.trainable_weights[:]
        return y_pred, loss, [v.value.grad for v in weights], weights

    def _backward(self, data):
        _, loss, grads, _ = self._gradients(data)
        return loss, grads

    def _apply(self, data):
        y_pred, loss, grads, weights = self._gradients(data)
        with torch.no_grad():
            self.model.optimizer.apply(grads, weights)
        return y_pred, loss

    def _optimizer(self, data):
        return self._apply(data)[1]

    def _metrics(self, data):
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred, loss = self._apply(data)
        tracker = getattr(self.model, "_loss_tracker", None)
        if tracker is not None:
            tracker.update_state(
                loss, sample_weight=stages.first_tensor(x).shape[0])
        return self.model.compute_metrics(x, y, y_pred, sample_weight=sw)

    # ---- the model's own functions ----------------------------------------

    def train_step(self, data):
        return self.model.train_function([data])

    def predict_step(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self.model.predict_function([(x,)])

    # ---- data and device --------------------------------------------------

    def to_device(self, data):
        return keras.tree.map_structure(
            lambda t: None if t is None else keras.ops.convert_to_tensor(t),
            data)

    def sync(self, outputs):
        # Eager CPU ops are done when they return; CUDA kernels are queued.
        if self._cuda:
            torch.cuda.synchronize()

    def finish(self):
        """Nothing to hand back: the programs updated the variables."""
