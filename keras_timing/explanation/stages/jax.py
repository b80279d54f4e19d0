"""The training-step stages on JAX, each a pure function jitted like fit's.

Keras's JAX `train_step` is stateless: `jax.value_and_grad` of
`compute_loss_and_updates` (forward, loss, loss scaling), then
`optimizer.stateless_apply`, then the metric variables' update, all jitted
with the state donated when `model.jit_compile` is set (eager otherwise). The
programs below are growing prefixes of that same code, compiled the same way.
The state they share is threaded from call to call, as in `fit`: a program
that returns new weights replaces it, and donated buffers are never reused.
"""

import jax
from keras.src.backend.jax.trainer import JAXTrainer
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
        self.device = str(jax.devices()[0].platform).upper()
        model.make_train_function()
        model.make_predict_function()
        self._state = None
        # jax.jit compiles on first call: unused programs cost nothing.
        self.stages = stages.cumulative(
            model, JAXTrainer, self.merged,
            [self._reading(self._dispatch), self._reading(self._forward),
             self._reading(self._loss), self._reading(self._backward),
             self._updating(self._optimizer), self._updating(self._metrics)],
            self._updating(model.train_step))

    # ---- compilation and state --------------------------------------------

    def _jit(self, fn, **kwargs):
        if self.model.run_eagerly or not self.model.jit_compile:
            return fn
        return jax.jit(fn, **kwargs)

    def state(self):
        if self._state is None:
            m = self.model
            self._state = (
                [v.value for v in m.trainable_variables],
                [v.value for v in m.non_trainable_variables],
                [v.value for v in m.optimizer.variables],
                [v.value for v in m.metrics_variables],
            )
        return self._state

    def _reading(self, fn):
        """A program that reads the state and returns results."""
        compiled = self._jit(fn)
        return lambda data: compiled(self.state(), data)

    def _updating(self, fn):
        """A program that returns `(results, new_state)`, as train_step."""
        # Donated like fit's step: the new weights may reuse the old buffers.
        compiled = self._jit(fn, donate_argnums=0)

        def run(data):
            outputs, self._state = compiled(self.state(), data)
            return outputs, self._state

        return run

    # ---- the stages, each the previous one plus one piece ------------------

    def _dispatch(self, state, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return jax.numpy.zeros((), stages.first_tensor(x).dtype)

    def _forward(self, state, data):
        tv, ntv, _, _ = state
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred, _ = self.model.stateless_call(
            tv, ntv, x, **stages.training_kwargs(self.model, True))
        return y_pred

    def _loss(self, state, data):
        tv, ntv, ov, mv = state
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self.model.compute_loss_and_updates(
            tv, ntv, mv, x, y, sw, training=True, optimizer_variables=ov)

    def _backward(self, state, data):
        tv, ntv, ov, mv = state
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        grad_fn = jax.value_and_grad(self.model.compute_loss_and_updates,
                                     has_aux=True)
        return grad_fn(tv, ntv, mv, x, y, sw, training=True,
                       optimizer_variables=ov)

    def _apply(self, state, data):
        (_, aux), grads = self._backward(state, data)
        unscaled_loss, y_pred, ntv, mv = aux
        tv, ov = self.model.optimizer.stateless_apply(state[2], grads,
                                                      state[0])
        return unscaled_loss, y_pred, (tv, ntv, ov, mv)

    def _optimizer(self, state, data):
        unscaled_loss, _, new_state = self._apply(state, data)
        return unscaled_loss, new_state

    def _metrics(self, state, data):
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(data)
        unscaled_loss, y_pred, (tv, ntv, ov, mv) = self._apply(state, data)
        # The trainer's own helper: loss tracker, then compute_metrics, in a
        # stateless scope over the metric variables.
        logs, mv = self.model._update_metrics_variables(
            mv, unscaled_loss, x, y, y_pred, sw)
        return logs, (tv, ntv, ov, mv)

    # ---- the model's own functions ----------------------------------------

    def train_step(self, data):
        logs, self._state = self.model.train_function(self.state(),
                                                      iter([data]))
        return logs, self._state

    def predict_step(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        tv, ntv, ov, mv = self.state()
        # predict_function donates the weights it is given, like fit's step.
        outputs, (tv, ntv) = self.model.predict_function((tv, ntv),
                                                         iter([(x,)]))
        self._state = (tv, ntv, ov, mv)
        return outputs, tv, ntv

    # ---- data and device --------------------------------------------------

    def to_device(self, data):
        return keras.tree.map_structure(
            lambda t: None if t is None else jax.device_put(t), data)

    def sync(self, outputs):
        jax.block_until_ready(outputs)

    def finish(self):
        """Hands the threaded state back to the model's variables.

        Donation deleted the buffers the variables held when the programs
        started, so they must be given the live ones before anyone reads them.
        """
        if self._state is None:
            return
        m = self.model
        groups = (m.trainable_variables, m.non_trainable_variables,
                  m.optimizer.variables, m.metrics_variables)
        for variables, values in zip(groups, self._state):
            for v, value in zip(variables, values):
                v.assign(value)
        self._state = None
