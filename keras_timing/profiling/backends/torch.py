"""torch profiler captures: a Chrome/Perfetto trace per session folder.

A capture writes `<session_dir>/<host>.pt.trace.json`, the JSON trace of
`torch.profiler.profile(...).export_chrome_trace`. xprof and TensorBoard's
Profile tab cannot read it (xprof 2.24 reads `.xplane.pb` files only, also
under the name `<host>.trace.json.gz`): open it in https://ui.perfetto.dev
or chrome://tracing, or analyse it with HolisticTraceAnalysis. So the
timer's torch sessions go to `<run>/torch_traces/<session>/`
(`session_folder`), not `<run>/plugins/profile/<session>/`, where the
Profile tab would list them, pre-select one and find "No profile data".

Step markers are `torch.profiler.record_function("ProfilerStep#<step>")`
ranges, the name torch's own `profile.step()` gives its steps, so tools that
look for steps in torch traces find them. The phase (`train`, `predict`,
...) is not in the marker; the run folder the session is in says it.

On the torch backend `keras_timing.profiling.backends.get()` returns
`profiler`, this module's instance; `profiler.open_step("train", 3)` opens
`ProfilerStep#3`, and `stop()` returns `[".../<host>.pt.trace.json"]`.
"""

import os
import sys

import torch
from torch.profiler import ProfilerActivity
from torch.profiler import profile
from torch.profiler import record_function

from keras_timing.profiling import flops as flops_lib
from keras_timing.profiling.backends import host_name
from keras_timing.profiling.backends import quiet
from keras_timing.profiling.backends.accounting import CompileTally
from keras_timing.profiling.backends.base import Profiler


def _activities():
    out = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        out.append(ProfilerActivity.CUDA)
    return out


def _quiet_kineto():
    """Drops Kineto's `USDT: ... profiler_start` / `profiler_stop` lines,
    which it prints at every start and stop whatever `KINETO_LOG_LEVEL`
    says (tried: 3 to 99)."""
    return quiet.stderr_without(lambda line: line.startswith(b"USDT:"))


class TorchProfiler(Profiler):
    """`torch.profiler.profile` behind the shared `Profiler` skeleton.

    The first `record_function` while profiling costs more than later ones
    (one-time set-up), and the first start imports `torch._inductor.config`
    unless it is already imported (Keras's torch backend imports it). The
    warm-up moves both out of the first capture, so the captured steps do
    not carry them (what profiled steps cost against counted ones:
    benchmarks/README.md section 11).
    """

    name = "torch"
    trace_suffix = ".pt.trace.json"
    # Keras's torch loop reads the batch before the begin hook: its wait
    # is input wait, already measured.
    reads_batch_in_step = False
    # Sessions go to `<run>/<session_folder>/`, out of the Profile tab's
    # sight (it lists every folder under `<run>/plugins/profile/`).
    # report/captures.py looks there too.
    session_folder = "torch_traces"
    # Its state is per thread: stopped from another thread, torch finds no
    # session ("disableProfiler called but no active profiling session")
    # and the export then crashed the process (torch 2.13, CPU).
    thread_bound = True

    def __init__(self):
        super().__init__()
        self._prof = None

    def _busy(self):
        # torch lets a second profiler start over a running one and then
        # stops both at the first stop, so ask whether one runs first.
        return bool(torch.autograd._profiler_enabled()
                    or torch.autograd.profiler._is_profiler_enabled)

    def _begin(self, logdir):
        prof = profile(activities=_activities())
        with _quiet_kineto():
            prof.start()
        self._prof = prof

    def _end(self, logdir):
        prof, self._prof = self._prof, None
        with _quiet_kineto():
            prof.stop()
        path = os.path.join(logdir, host_name() + self.trace_suffix)
        prof.export_chrome_trace(path)
        # Kineto logs a failed write and returns as if it had written.
        if not os.path.isfile(path):
            raise OSError("torch profiler: the trace could not be written "
                          "to %r" % path)

    def _first_start(self):
        prof = profile(activities=_activities())
        with _quiet_kineto():
            prof.start()
        try:
            self.close_step(self.open_step("warmup", 0))
        finally:
            with _quiet_kineto():
                prof.stop()
        return True

    def _forget(self):
        # Last resort after a failed stop: no profiler left enabled.
        self._prof = None
        try:
            if torch.autograd._profiler_enabled():
                torch.autograd._disable_profiler()
        except Exception:
            pass

    def open_step(self, name, step_num):
        """Opens the marker `ProfilerStep#<step_num>`; returns the handle."""
        marker = record_function("ProfilerStep#%d" % step_num)
        marker.__enter__()
        return marker

    def sync(self, model, loop_frame=None):
        """Waits until the GPU work dispatched so far has finished (inside
        captures only; a no-op on the CPU, where torch runs
        synchronously)."""
        if torch.cuda.is_available():
            torch.cuda.synchronize()


    # ---- accounting (backends/accounting.py) ----------------------------

    def _flops(self, model, step_function, batch):
        """`torch.utils.flop_counter.FlopCounterMode` over one step run
        eagerly on the batch: forward, loss and gradients for "train",
        forward and loss for "test", forward for "predict".

        It counts matmuls, convolutions and attention only (2 FLOPs per
        multiply-add); elementwise ops, activations, pooling and the
        optimizer (which is not run) count nothing, so this count is the
        smallest of the three frameworks'. Nothing of the model is touched,
        so the count may run on a thread beside the user's next step: the
        step runs in a Keras `StatelessScope` on copies of the variables
        (its assignments, to batch-norm statistics, seed generators and
        loss trackers, stay in the scope), and `torch.autograd.grad`
        returns the gradients without putting them in any weight's
        `.grad`. The copies hold the variables' memory once more while it
        runs.
        """
        import keras
        from torch.utils.flop_counter import FlopCounterMode

        train = step_function == "train"
        x, y, weight = (None if a is None else keras.tree.map_structure(
            keras.ops.convert_to_tensor, a) for a in flops_lib.unpack(batch))

        def copy(v, grad=False):
            # A copy, not a view: the user's optimizer updates the weights
            # in place, which autograd refuses under a saved view.
            return v.value.detach().clone().requires_grad_(grad)

        weights = [copy(v, train) for v in model.trainable_variables]
        state = list(zip(model.trainable_variables, weights)) + [
            (v, copy(v)) for v in list(model.non_trainable_variables)
            + list(model.metrics_variables)]
        with FlopCounterMode(display=False) as counter, \
                torch.set_grad_enabled(train):
            with keras.StatelessScope(state_mapping=state):
                y_pred = model(x, training=train)
                if step_function != "predict":
                    loss = model.compute_loss(
                        x=x, y=y, y_pred=y_pred, sample_weight=weight,
                        training=train)
            if train and loss.requires_grad:
                torch.autograd.grad(loss, weights, allow_unused=True)
        return counter.get_total_flops()

    def _device_name(self):
        if not torch.cuda.is_available():
            return None
        return torch.cuda.get_device_name(torch.cuda.current_device())

    def _device_peak_bytes(self):
        if not torch.cuda.is_available():
            return None
        return torch.cuda.max_memory_allocated()

    def _reset_device_peak(self):
        torch.cuda.reset_peak_memory_stats()
        return True

    def _compile_counter(self, model, step_function):
        """Steps run eagerly and never compile, unless `jit_compile=True`
        (`torch.compile`): then dynamo's compiles (and the backward graphs
        it compiles lazily) of the function behind
        `model.<step_function>_function`, matched by identity from dynamo's
        `compile_wrapper` frame that runs it: validation's compiles are not
        train's. One compile-start callback, registered again where
        `torch._dynamo.reset()` cleared it."""
        if not getattr(model, "jit_compile", False):
            return None
        from torch._dynamo.callback import callback_handler

        if _on_compile not in callback_handler.start_callbacks:
            callback_handler.register_start_callback(_on_compile)
        return _TALLY.counter(_compiled_function, model,
                              step_function + "_function")


def _compiled_function(function):
    """The function `torch.compile` wrapped, and the wrapper's code (the
    frame the compiles run under, `fn` its variable)."""
    fn = getattr(function, "_torchdynamo_orig_callable", None)
    if fn is None:
        return []
    _TALLY.codes.add(function.__code__)
    return [fn]


def _on_compile(args):
    _TALLY.record(sys._getframe(1))


_TALLY = CompileTally("fn")

profiler = TorchProfiler()
