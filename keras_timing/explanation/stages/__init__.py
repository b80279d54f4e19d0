"""A training step cut into cumulative programs, one module per backend.

`programs(model)` returns the running backend's `StagePrograms` (a subclass
of `base.StagePrograms`, which owns the shape they all share): callables that
each run one batch and return what must be waited for, plus the model's own
train and predict functions and the backend's way of waiting for the device.

Example:

>>> STAGES
('dispatch', 'forward', 'loss', 'backward', 'optimizer', 'metrics')
>>> CUSTOM_STEP
'loss+backward+optimizer+metrics'
"""

import keras

from keras_timing import backend as backend_lib

# `dispatch` is calling a compiled program with a batch and waiting for it,
# with no work inside: every step pays it once, predict too.
STAGES = ("dispatch", "forward", "loss", "backward", "optimizer", "metrics")

# What the stages after the forward pass become when the model overrides
# `train_step`: the override is one opaque program.
CUSTOM_STEP = "+".join(STAGES[2:])
CUSTOM_STEP_REASON = (
    "the model overrides train_step, so which of loss, backward, optimizer "
    "and metrics its code runs, and in what order, is unknown; they are "
    "measured together as (its train_step) - (forward)")


def overrides(model, method, trainer_class):
    """Whether `model`'s class replaces `trainer_class.<method>`."""
    return getattr(type(model), method) is not getattr(trainer_class, method)


def training_kwargs(model, training):
    # As the trainers do: only models whose call takes `training` get it.
    return {"training": training} if model._call_has_training_arg else {}


def first_tensor(x):
    """The first tensor of a nested input: its leading dim is the batch."""
    return next(t for t in keras.tree.flatten(x) if t is not None)


def programs(model):
    """The `StagePrograms` of the running backend for `model`.

    Args:
        model: A compiled, built `keras.Model`.
    """
    impl = backend_lib.module(__name__, what="explain")
    return impl.StagePrograms(model)
