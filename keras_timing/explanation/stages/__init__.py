"""A training step cut into cumulative programs, one module per backend.

`programs(model)` returns the running backend's `StagePrograms` (a subclass
of `base.StagePrograms`, which owns the shape they all share): callables that
each run one batch and return what must be waited for, plus the model's own
train and predict functions and the backend's way of waiting for the device.

Example:

>>> STAGES
('dispatch', 'forward', 'loss', 'backward', 'optimizer', 'metrics')
>>> NO_STAGES_REASON.split(",")[0]
'the model overrides train_step'
"""

import keras

from keras_timing import backend as backend_lib

# `dispatch` is calling a compiled program with a batch and waiting for it,
# with no work inside: every step pays it once, predict too.
STAGES = ("dispatch", "forward", "loss", "backward", "optimizer", "metrics")

# Why a model that overrides `train_step` gets no stages: its step is timed
# whole, against predict.
NO_STAGES_REASON = (
    "the model overrides train_step, so which of forward, loss, backward, "
    "optimizer and metrics its code runs, and in what order, is unknown: "
    "its whole step is timed against predict, with no stages")


def overrides(model, method, trainer_class):
    """Whether `model`'s class replaces `trainer_class.<method>`."""
    return getattr(type(model), method) is not getattr(trainer_class, method)


def training_kwargs(model, training):
    # As the trainers do: only models whose call takes `training` get it.
    return {"training": training} if model._call_has_training_arg else {}


def first_tensor(x):
    """The first tensor of a nested input: its leading dim is the batch."""
    return next(t for t in keras.tree.flatten(x) if t is not None)


def custom_step(model):
    """Whether `model` overrides the running backend's `train_step`."""
    impl = backend_lib.module(__name__, what="explain")
    return overrides(model, "train_step", impl.StagePrograms.trainer_class)


def programs(model):
    """The `StagePrograms` of the running backend for `model`.

    Args:
        model: A compiled, built `keras.Model`.
    """
    impl = backend_lib.module(__name__, what="explain")
    return impl.StagePrograms(model)
