"""Every private name the package reads from Keras, TensorFlow, JAX and
torch, in one list, so that an upgrade that removes one is caught by a test
naming it (`tests/test_private.py`, run on each backend) rather than by a
user.

Each reader falls back where its private name is gone (a figure left out,
with a warning at most); none makes a user's run fail. An entry:

- `owner`: where the name lives: a dotted path to a module, class or object
  ("keras.src.trainers.trainer.Trainer"), or a function returning a live
  object where the name is only on instances made at run time (a `jax.jit`
  function, a `tf.data` pipeline).
- `name`: the attribute read (on the owner, or set on its instances), or
  `local:<variable>`: a variable of the owner's code that a frame is read
  for (the compile counters find the compiled function that way).
- `reader`: which part reads it, and what for.
- `backend`: the Keras backend whose runs read it (None: every backend).

Example:

>>> [p.name for p in PRIVATE if p.owner == "jax._src.dispatch"]
['BACKEND_COMPILE_EVENT']
>>> sorted({p.backend for p in PRIVATE if p.backend})
['jax', 'tensorflow', 'torch']
"""

from typing import Callable
from typing import NamedTuple
from typing import Optional
from typing import Union


class Private(NamedTuple):
    """One private name read (see the module's docstring)."""

    owner: Union[str, Callable[[], object]]
    name: str
    reader: str
    backend: Optional[str] = None


def _jitted():
    import jax

    return jax.jit(abs)


def _jit_cache_miss():
    import inspect

    return inspect.unwrap(_jitted()._cache_miss)


def _torch_compiled():
    import torch

    return torch.compile(abs)


def _tf_batched():
    import tensorflow as tf

    return tf.data.Dataset.range(10).batch(4)


_K = "keras.src."
_ADAPTERS = _K + "trainers.data_adapters."

PRIVATE = (
    # Keras, read by the timer while a loop runs.
    Private(_K + "trainers.epoch_iterator.EpochIterator", "data_adapter",
            "timer: batch size of the running loop"),
    Private("keras.Model", "_eval_epoch_iterator",
            "timer: validation's data adapter"),
    Private(_ADAPTERS + "generator_data_adapter.GeneratorDataAdapter",
            "_first_batches", "timer: a generator's batch size"),
    Private(_ADAPTERS + "tf_dataset_adapter.TFDatasetAdapter", "_dataset",
            "timer: a tf.data pipeline's .batch(n)"),
    Private(_K + "callbacks.callback.Callback", "_model",
            "timer: the model without syncing JAX state"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "_finite_generator",
            "profiling/fetch: a PyDataset's Python producer (fetch_ms)",
            "tensorflow"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "_infinite_generator",
            "profiling/fetch: a PyDataset's Python producer (fetch_ms)",
            "tensorflow"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "_finite_enqueuer_generator",
            "profiling/fetch: a PyDataset's Python producer (fetch_ms)",
            "tensorflow"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "_infinite_enqueuer_generator",
            "profiling/fetch: a PyDataset's Python producer (fetch_ms)",
            "tensorflow"),
    Private(_ADAPTERS + "generator_data_adapter.GeneratorDataAdapter",
            "generator", "profiling/fetch: a generator's producer "
            "(fetch_ms)", "tensorflow"),
    Private(_ADAPTERS + "data_adapter.DataAdapter", "get_jax_iterator",
            "profiling/fetch: the iterator the JAX step reads (fetch_ms)",
            "jax"),
    Private(_ADAPTERS + "data_adapter.DataAdapter", "on_epoch_end",
            "timer/data_epochs: the data adapter's epoch ends "
            "(data_epoch_end_ms)"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "enqueuer",
            "timer/data_epochs: a PyDataset's workers (data_workers)"),
    Private(_ADAPTERS + "py_dataset_adapter.PyDatasetAdapter", "py_dataset",
            "timer/data_epochs: a PyDataset's workers (data_workers)"),
    Private(_ADAPTERS + "data_adapter_utils", "pack_x_y_sample_weight",
            "explain: batches as fit feeds a custom train_step"),
    Private(_K + "callbacks.callback_list.CallbackList", "_futures",
            "timer/died_calls: a died call's end hooks in Keras's pool"),
    # The loop frame's callback list, on the backends with Keras's pool.
    *(Private(_K + "backend.%s.trainer.%sTrainer.%s" % (backend, cls, loop),
              "local:callbacks",
              "timer/died_calls: a died %s's callback list" % loop, backend)
      for backend, cls in (("jax", "JAX"), ("torch", "Torch"))
      for loop in ("fit", "evaluate", "predict")),
    # tf.data, read by the timer up a pipeline for `.batch(n)`.
    Private(_tf_batched, "_batch_size", "timer: a tf.data batch size"),
    Private(_tf_batched, "_input_dataset",
            "timer: the pipeline above a tf.data stage"),
    Private(_tf_batched, "_drop_remainder",
            "timer: whether a tf.data pipeline's last batch is partial"),
    # Keras, read by explain to run a training step's stages one by one.
    Private(_K + "layers.layer.Layer", "_call_has_training_arg",
            "explain: how the trainers call the model"),
    Private(_K + "trainers.trainer.Trainer", "_compute_loss",
            "explain: the loss stage"),
    Private(_K + "trainers.trainer.Trainer", "_loss_tracker",
            "explain: the loss metric's update"),
    Private(_ADAPTERS + "data_adapter_utils", "unpack_x_y_sample_weight",
            "explain: batches"),
    Private(_ADAPTERS + "array_data_adapter", "can_convert_arrays",
            "explain: which data it can batch"),
    Private(_K + "trainers.data_adapters", "get_data_adapter",
            "explain: batches; timer tests"),
    Private(_K + "losses.loss", "unscale_loss_for_distribution",
            "explain: the loss stage"),
    Private(_K + "backend.tensorflow.trainer", "TensorFlowTrainer",
            "explain: TensorFlow's train step, stage by stage", "tensorflow"),
    Private(_K + "backend.jax.trainer", "JAXTrainer",
            "explain: JAX's train step, stage by stage", "jax"),
    Private(_K + "backend.jax.trainer.JAXTrainer",
            "_update_metrics_variables", "explain: JAX metrics stage", "jax"),
    Private(_K + "backend.jax.trainer.JAXTrainer", "compute_loss_and_updates",
            "explain: JAX loss and backward stages", "jax"),
    Private(_K + "backend.torch.trainer", "TorchTrainer",
            "explain: torch's train step, stage by stage", "torch"),
    Private(_K + "backend.torch.trainer.TorchTrainer", "_should_torch_compile",
            "explain: torch programs compiled as fit compiles them", "torch"),
    # JAX, read by profiling and the timer.
    Private(_K + "backend.jax.trainer.JAXTrainer", "_jax_state",
            "profiling: waiting for JAX's dispatched steps", "jax"),
    Private("jax._src.dispatch", "BACKEND_COMPILE_EVENT",
            "profiling: JAX compiles, from its monitoring events", "jax"),
    Private(_jitted, "_cache_miss",
            "profiling: which jitted function compiled", "jax"),
    Private(_jitted, "_fun", "profiling: the Python function jitted", "jax"),
    Private(_jit_cache_miss, "local:fun",
            "profiling: the function a compiling frame runs", "jax"),
    Private("jax._src.profiler", "_profile_state",
            "profiling: freeing JAX's profiler after a failed export", "jax"),
    Private("jax._src.profiler._ProfileState", "lock",
            "profiling: freeing JAX's profiler after a failed export", "jax"),
    Private("jax._src.profiler._ProfileState", "reset",
            "profiling: freeing JAX's profiler after a failed export", "jax"),
    Private("jax._src.distributed", "global_state",
            "profiling: the coordinator of a multi-process JAX job", "jax"),
    Private("jax._src.distributed.State", "coordinator_address",
            "profiling: the coordinator of a multi-process JAX job", "jax"),
    # torch, read by profiling.
    Private("torch.autograd", "_profiler_enabled",
            "profiling: whether another torch profiler runs", "torch"),
    Private("torch.autograd", "_disable_profiler",
            "profiling: leaving no torch profiler running", "torch"),
    Private("torch.autograd.profiler", "_is_profiler_enabled",
            "profiling: whether another torch profiler runs", "torch"),
    Private("torch._dynamo.callback", "callback_handler",
            "profiling: torch.compile's compiles", "torch"),
    Private("torch._dynamo.callback.CompilationCallbackHandler",
            "register_start_callback",
            "profiling: torch.compile's compiles", "torch"),
    Private(_torch_compiled, "_torchdynamo_orig_callable",
            "profiling: the function torch.compile wrapped", "torch"),
    Private(_torch_compiled, "local:fn",
            "profiling: the function a compiling frame runs", "torch"),
    # CPython: documented, underscored because implementation-specific.
    Private("sys", "_getframe", "profiling and timer: the caller's frame"),
)
