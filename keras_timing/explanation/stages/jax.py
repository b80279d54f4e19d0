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

from keras_timing.explanation.stages import base
from keras_timing.explanation.stages.base import unpack


class StagePrograms(base.StagePrograms):
    """JAX's stage programs: see `base.StagePrograms`. Each body takes the
    threaded state `(trainable, non_trainable, optimizer, metrics)`."""

    trainer_class = JAXTrainer

    def describe_device(self):
        self._state = None
        return str(jax.devices()[0].platform).upper()

    def programs(self):
        # jax.jit compiles on first call: unused programs cost nothing.
        return [self._reading(self._dispatch), self._reading(self._forward),
                self._reading(self._loss), self._reading(self._backward),
                self._updating(self._optimizer),
                self._updating(self._metrics)]

    # ---- compilation and state --------------------------------------------

    def _jit(self, fn, **kwargs):
        if self.model.run_eagerly or not self.model.jit_compile:
            return fn
        return jax.jit(fn, **kwargs)

    def state(self):
        if self._state is None:
            self._state = tuple([v.value for v in group]
                                for group in self._groups())
        return self._state

    def _groups(self):
        m = self.model
        return (m.trainable_variables, m.non_trainable_variables,
                m.optimizer.variables, m.metrics_variables)

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
        return self.dispatch(data)

    def _forward(self, state, data):
        tv, ntv, _, _ = state
        x, _, _ = unpack(data)
        y_pred, _ = self.model.stateless_call(
            tv, ntv, x, **base.stages.training_kwargs(self.model, True))
        return y_pred

    def _loss(self, state, data):
        tv, ntv, ov, mv = state
        x, y, sw = unpack(data)
        return self.model.compute_loss_and_updates(
            tv, ntv, mv, x, y, sw, training=True, optimizer_variables=ov)

    def _backward(self, state, data):
        tv, ntv, ov, mv = state
        x, y, sw = unpack(data)
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
        x, y, sw = unpack(data)
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

    def train_from(self, source):
        # With steps_per_execution > 1 Keras loops its jitted step in Python.
        logs, self._state = self.model.train_function(self.state(), source)
        return logs, self._state

    def predict_many(self, batches):
        tv, ntv, ov, mv = self.state()
        # predict_function donates the weights it is given, like fit's step.
        outputs, (tv, ntv) = self.model.predict_function(
            (tv, ntv), iter([(unpack(b)[0],) for b in batches]))
        self._state = (tv, ntv, ov, mv)
        return outputs, tv, ntv

    # ---- device -----------------------------------------------------------

    def tensor(self, value):
        return jax.device_put(value)

    def sync(self, outputs):
        jax.block_until_ready(outputs)

    def finish(self):
        """Hands the threaded state back to the model's variables.

        Donation deleted the buffers the variables held when the programs
        started, so they must be given the live ones before anyone reads them.
        """
        if self._state is None:
            return
        for variables, values in zip(self._groups(), self._state):
            for v, value in zip(variables, values):
                v.assign(value)
        self._state = None
