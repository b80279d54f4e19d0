"""The shape every backend's stage programs share.

`StagePrograms` builds the cumulative stage list (six stages, or none for a
model with its own `train_step`), runs the model's own train and predict
functions, and moves batches to the device. The stage bodies here are written the way
Keras's eager-style trainers (TensorFlow, torch) run their `train_step`;
a backend subclass supplies only what differs: how gradients are taken and
applied, how a program is compiled, and how to wait for the device.
"""

import itertools

from keras.src.trainers.data_adapters import data_adapter_utils

import keras
from keras_timing.explanation import stages


def unpack(data):
    """`(x, y, sample_weight)` of a batch, as the trainers unpack it."""
    return data_adapter_utils.unpack_x_y_sample_weight(data)


def pack(x, y=None, sample_weight=None):
    """A batch as Keras's data adapters yield it and `fit` hands it to
    `train_step`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
    return data_adapter_utils.pack_x_y_sample_weight(x, y, sample_weight)


class StagePrograms:
    """Cumulative stage programs of `model` on the running backend.

    Args:
        model: A compiled, built `keras.Model`.

    Attributes:
        stages: `[(name, program)]`, cumulative: each program runs all the
            previous one runs plus its own stage; the last is a whole step.
            Empty for a model that overrides `train_step` (see
            `no_stages`).
        merged: `{name: reason}` for names that join several stages.
        no_stages: Why there are no stages (`stages.NO_STAGES_REASON`), or
            None.
        device: Where the programs run, in words.

    Example:

    >>> from keras_timing.explanation.stages import programs
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> p = programs(model)
    >>> batch = p.to_device((np.ones((4, 3), "float32"),
    ...                      np.ones((4, 1), "float32"), None))
    >>> [name for name, _ in p.stages]
    ['dispatch', 'forward', 'loss', 'backward', 'optimizer', 'metrics']
    >>> for name, program in p.stages:
    ...     p.sync(program(batch))
    >>> p.finish()
    """

    # The backend's Trainer: a model class that replaces its `train_step`
    # is timed as one whole step.
    trainer_class = None

    def __init__(self, model):
        self.model = model
        self.merged = {}
        self.no_stages = None
        self.device = self.describe_device()
        if not model.optimizer.built:
            # The stateless optimizer programs need its variables.
            model.optimizer.build(model.trainable_variables)
        model.make_train_function()
        model.make_predict_function()
        self.stages = []
        if stages.overrides(model, "train_step", self.trainer_class):
            # Its code may not even call the model (a VAE calls its encoder
            # and decoder): no program of Keras's stages would be its own.
            self.no_stages = stages.NO_STAGES_REASON
        else:
            self.stages = list(zip(stages.STAGES, self.programs()))

    def programs(self):
        """The six stage programs, compiled."""
        bodies = (self.dispatch, self.forward, self.loss, self.backward,
                  self.optimizer, self.metrics)
        return [self.compile(fn) for fn in bodies]

    # ---- what a backend supplies ------------------------------------------

    def describe_device(self):
        raise NotImplementedError

    def compile(self, fn):
        """`fn` compiled as `fit` compiles its step; as is by default."""
        return fn

    def gradients(self, data):
        """`(y_pred, loss, grads, weights)` of one batch."""
        raise NotImplementedError

    def apply_gradients(self, grads, weights):
        raise NotImplementedError

    def tensor(self, value):
        """A numpy array as the backend's tensor, on its device."""
        return keras.ops.convert_to_tensor(value)

    def sync(self, outputs):
        """Returns when the device has finished computing `outputs`."""
        raise NotImplementedError

    def finish(self):
        """Leaves the model's variables usable after the programs ran."""

    # ---- the stages, each the previous one plus one piece ------------------

    def dispatch(self, data):
        # No work that depends on the batch: a zero the device must return.
        x, _, _ = unpack(data)
        first = stages.first_tensor(x)
        return keras.ops.zeros((), keras.backend.standardize_dtype(
            first.dtype))

    def forward(self, data):
        x, _, _ = unpack(data)
        return self.model(x, **stages.training_kwargs(self.model, True))

    def loss_parts(self, data):
        """`(y_pred, loss)`: the forward pass and the model's loss."""
        x, y, sw = unpack(data)
        y_pred = self.forward(data)
        loss = self.model._compute_loss(x=x, y=y, y_pred=y_pred,
                                        sample_weight=sw, training=True)
        return y_pred, loss

    def loss(self, data):
        _, loss = self.loss_parts(data)
        return self.model.optimizer.scale_loss(loss)

    def backward(self, data):
        _, loss, grads, _ = self.gradients(data)
        return loss, grads

    def apply(self, data):
        y_pred, loss, grads, weights = self.gradients(data)
        self.apply_gradients(grads, weights)
        return y_pred, loss

    def optimizer(self, data):
        # The weight updates are stateful: returning only the loss does not
        # let a compiler drop them.
        return self.apply(data)[1]

    def metrics(self, data):
        x, y, sw = unpack(data)
        y_pred, loss = self.apply(data)
        tracker = getattr(self.model, "_loss_tracker", None)
        if tracker is not None:
            tracker.update_state(
                self.tracked_loss(loss),
                sample_weight=self.batch_size(x))
        return self.model.compute_metrics(x, y, y_pred, sample_weight=sw)

    def batch_size(self, x):
        return keras.ops.shape(stages.first_tensor(x))[0]

    def tracked_loss(self, loss):
        """The loss as the trainer hands it to the loss tracker."""
        return loss

    # ---- the model's own functions ----------------------------------------

    def train_step(self, data):
        """The model's own `train_function` on one batch, fed as
        `train_on_batch` feeds it."""
        return self.model.train_function([data])

    def predict_step(self, data):
        """The model's own `predict_function` on one batch."""
        return self.predict_many([data])

    # ---- several steps per call (`steps_per_execution`) --------------------

    def batch_source(self, batches):
        """An endless source of numpy `batches` (as `fit` feeds them, see
        `pack`) for `train_from`, on the device."""
        return itertools.cycle([self.to_device(b) for b in batches])

    def train_from(self, source):
        """One call of the model's own `train_function`: it reads
        `steps_per_execution` batches from `source`, as in `fit`."""
        # torch's function takes one batch in a list (Keras allows no
        # other steps_per_execution there).
        return self.model.train_function([next(source)])

    def predict_many(self, batches):
        """One call of the model's own `predict_function` over `batches`
        (on the device): `steps_per_execution` of them, as in `predict`."""
        return self.model.predict_function([(unpack(b)[0],) for b in batches])

    def to_device(self, data):
        """A numpy batch as device tensors: done once, untimed."""
        return keras.tree.map_structure(
            lambda t: None if t is None else self.tensor(t), data)
