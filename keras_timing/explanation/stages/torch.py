"""The training-step stages on torch, run as Keras's torch trainer runs them.

Keras's torch `train_step` runs eagerly (`torch.compile` only with
`jit_compile=True`): forward, `zero_grad`, loss, loss tracker, loss scaling,
`loss.backward()`, `optimizer.apply` under `no_grad`, `compute_metrics`. The
base's programs are growing prefixes of that code, compiled only when the
model is.
"""

import torch
from keras.src.backend.torch.trainer import TorchTrainer

from keras_timing.explanation.stages import base


class StagePrograms(base.StagePrograms):
    """torch's stage programs: see `base.StagePrograms`."""

    trainer_class = TorchTrainer

    def describe_device(self):
        self._cuda = torch.cuda.is_available()
        return ("GPU (%s)" % torch.cuda.get_device_name()
                if self._cuda else "CPU")

    def compile(self, fn):
        # As the trainer decides for its own step (torch>=2.1 only).
        if self.model._should_torch_compile():
            return torch.compile(fn)
        return fn

    def gradients(self, data):
        # zero_grad is part of the backward stage: without it the last
        # call's gradients would be added to these.
        self.model.zero_grad()
        y_pred, loss = self.loss_parts(data)
        self.model.optimizer.scale_loss(loss).backward()
        weights = self.model.trainable_weights[:]
        return y_pred, loss, [v.value.grad for v in weights], weights

    def apply_gradients(self, grads, weights):
        with torch.no_grad():
            self.model.optimizer.apply(grads, weights)

    def sync(self, outputs):
        # Eager CPU ops are done when they return; CUDA kernels are queued.
        if self._cuda:
            torch.cuda.synchronize()
