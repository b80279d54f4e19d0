"""A training step cut into cumulative programs, one module per backend.

`programs(model)` returns the backend's `StagePrograms`: callables that each
run one batch and return what must be waited for, plus the model's own train
and predict functions and the backend's way of waiting for the device.

Every backend module offers the same attributes:

- `stages`: `[(name, fn), ...]`, cumulative: each program runs everything
  the previous one ran plus its own stage, so differences of their times are
  the stages' costs. The last one is a whole training step.
- `merged`: `{name: reason}` for stage names that join several stages the
  backend could not separate for this model.
- `train_step(data)`: the model's own `train_function` on one batch, as
  `fit` runs it.
- `predict_step(data)`: the model's own `predict_function` on one batch.
- `to_device(data)`: numpy batch to backend tensors, done once, untimed.
- `sync(outputs)`: returns when the device has finished `outputs`.
- `device`: where the programs run, in words.
- `finish()`: leaves the model's variables usable after the programs ran.
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


def cumulative(model, trainer_class, merged, steps, custom_step):
    """`(name, program)` of each stage, in step order.

    The six `steps` (dispatch .. metrics); or, for a model whose class
    overrides `train_step` (then noted in `merged`), dispatch, forward and
    `custom_step`, the model's own step, standing for the rest.
    """
    if overrides(model, "train_step", trainer_class):
        merged[CUSTOM_STEP] = CUSTOM_STEP_REASON
        return [(STAGES[0], steps[0]), (STAGES[1], steps[1]),
                (CUSTOM_STEP, custom_step)]
    return list(zip(STAGES, steps))


def training_kwargs(model, training):
    # As the trainers do: only models whose call takes `training` get it.
    return {"training": training} if model._call_has_training_arg else {}


def first_tensor(x):
    """The first tensor of a nested input: its leading dim is the batch."""
    return next(t for t in keras.tree.flatten(x) if t is not None)


def programs(model):
    """The `StagePrograms` of the running backend for `model`."""
    impl = backend_lib.module(__name__, what="explain")
    return impl.StagePrograms(model)
