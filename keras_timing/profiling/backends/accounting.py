"""What every framework's profiler counts besides captures: FLOPs of a step,
peak memory, compiles, and the device's peak FLOP/s.

`Accounting` holds the shared part: one FLOP count per model, step function
and call shape (cached; a failure gives None and one warning, never an error),
the host's resident-set peak where the device keeps no memory statistics
(`profiling/memory.py`), and the peak table (`profiling/peak.py`). The
framework subclasses (`backends/tensorflow.py`, `jax.py`, `torch.py`)
supply `_flops`, `_device_name`, `_device_peak_bytes`,
`_reset_device_peak` and `_compile_counter`. `base.Profiler` inherits it,
so `backends.get()` answers all of it.

Example:

>>> class Fixed(Accounting):
...     name = "fixed"
...     def _flops(self, model, step_function, batch):
...         return 2.0 * len(batch)
>>> import numpy as np
>>> counter = Fixed()
>>> counter.flops(object(), "predict", np.zeros((8, 3)))
16.0
>>> counter.peak_memory_mb() > 0, counter.compile_counter(None, "train")()
(True, 0)
"""

import warnings
import weakref

from keras_timing.profiling import flops as flops_lib
from keras_timing.profiling import memory
from keras_timing.profiling import peak


def null_counter():
    """A compile counter that never moves (no framework to ask)."""
    return lambda: 0


class CompileTally:
    """Compiles per function, matched by identity, not by name.

    A framework's compile hook calls `record(frame)` on the thread that
    compiles; the innermost frame running `codes` (the framework's own
    wrapper, which holds the function being compiled in its variable
    `local`) whose function is watched gets the compile. Functions are
    held weakly.

    Args:
        local: The name of the wrapper frame's variable holding the
            function.

    Example:

    >>> import sys
    >>> tally = CompileTally("fun")
    >>> def compile_(fun):   # a framework's wrapper that compiles `fun`
    ...     tally.record(sys._getframe())
    >>> tally.codes.add(compile_.__code__)
    >>> def step():
    ...     pass
    >>> _ = tally.watch([step])
    >>> compile_(step); compile_(print); tally.count([step])
    1
    """

    def __init__(self, local):
        self.local = local
        self.codes = set()
        self._watched = {}    # id(function) -> weak reference to it
        self._counts = {}     # id(function) -> its compiles so far
        self._released = {}   # id(function) -> its last compile's release
        self.recorded = 0     # compiles recorded, of any function

    def watch(self, funs):
        """Starts counting `funs`; returns them as a list."""
        funs = list(funs)
        for fun in funs:
            key = id(fun)
            if key not in self._watched:
                self._watched[key] = weakref.ref(
                    fun, lambda _, key=key: self._forget(key))
        return funs

    def _forget(self, key):
        self._watched.pop(key, None)
        self._counts.pop(key, None)
        self._released.pop(key, None)

    def count(self, funs):
        """The compiles of `funs` so far."""
        return sum(self._counts.get(id(fun), 0) for fun in funs)

    def released(self, funs):
        """When the latest compile of `funs` let go of the host (a
        `time.perf_counter` reading), or None where none said."""
        times = [self._released[id(f)] for f in funs if id(f) in self._released]
        return max(times) if times else None

    def record(self, frame, released=None):
        """One compile, for the innermost watched function on the stack
        from `frame` up; nothing if none is. `released`: when it let go of
        the host (its tracing over, the backend compiling), if known."""
        while frame is not None and self._watched:
            if frame.f_code in self.codes:
                fun = frame.f_locals.get(self.local)
                ref = self._watched.get(id(fun))
                if ref is not None and ref() is fun:
                    self._counts[id(fun)] = self._counts.get(id(fun), 0) + 1
                    self.recorded += 1
                    if released is not None:
                        self._released[id(fun)] = released
                    return
            frame = frame.f_back

    def counter(self, find, model, attr):
        """A no-argument counter of the compiles of the functions that
        `find(model.<attr>)` yields; `find` runs again when Keras makes
        `model.<attr>` anew (a recompiled model)."""
        return _StepCompiles(self, find, model, attr)


class _StepCompiles:
    __slots__ = ("tally", "find", "model", "attr", "function", "funs",
                 "seen", "total")

    def __init__(self, tally, find, model, attr):
        self.tally, self.find, self.model, self.attr = tally, find, model, attr
        self.function, self.funs = None, ()
        self.seen = self.total = None

    def __call__(self):
        function = getattr(self.model, self.attr, None)
        if function is not self.function:
            self.function = function
            self.funs = self.tally.watch(self.find(function))
            self.seen = None
        # Called at every begin hook: counted again only after a compile.
        if self.seen != self.tally.recorded:
            self.seen = self.tally.recorded
            self.total = self.tally.count(self.funs)
        return self.total

    def released(self):
        """When the latest counted compile let go of the host, or None."""
        return self.tally.released(self.funs)


class Accounting:
    """FLOPs, memory, compiles and peak FLOP/s of one framework."""

    name = None

    def __init__(self):
        self._counted = weakref.WeakKeyDictionary()
        self._device_memory = None
        self._warned = set()

    # ---- the shared part ---------------------------------------------------

    def flops(self, model, step_function, batch):
        """FLOPs of one `step_function` step of `model` on `batch`, or None.

        Counted once per model, step function and call shape (shapes and
        dtypes of `batch`), then remembered. Nothing runs that changes the
        model's weights, optimizer or metrics (each framework says how).
        Divide by `flops.batch_size(batch)` for FLOPs per sample.

        Args:
            model: A compiled Keras model (its optimizer built, as it is
                once `fit` has begun, for "train").
            step_function: "train", "test" or "predict".
            batch: x, or (x, y) / (x, y, sample_weight), numpy or backend
                arrays of the shape the loop feeds.

        Returns:
            A float, or None where the framework cannot tell (one warning
            per step function says why).

        Raises:
            ValueError: for a `step_function` not listed above.
        """
        flops_lib.check_step_function(step_function)
        try:
            key = (step_function, flops_lib.call_shape(batch))
            known = self._counted.setdefault(model, {})
        except TypeError:  # a model that takes no weak reference
            key, known = None, {}
        if key in known:
            return known[key]
        try:
            count = self._flops(model, step_function, batch)
            count = None if count is None or count <= 0 else float(count)
        except Exception as e:
            count = None
            if step_function not in self._warned:
                self._warned.add(step_function)
                warnings.warn("keras_timing: the FLOPs of the %s step could "
                              "not be counted on %s: %s: %s" % (
                                  step_function, self.name,
                                  type(e).__name__, e))
        known[key] = count
        return count

    def reset_peak_memory(self):
        """Starts a new peak: the device's where it keeps one, else the
        host's resident set. Never raises."""
        try:
            if self._on_device() and self._reset_device_peak():
                return
        except Exception:
            pass
        memory.reset_peak()

    def peak_memory_mb(self):
        """The peak memory in MB (2**20 bytes) since `reset_peak_memory()`.

        On a GPU, the framework's allocator peak (JAX's cannot be reset:
        there it is the peak since the process started); on a CPU the
        process's resident-set peak. None where neither can be read.
        """
        try:
            if self._on_device():
                peak_bytes = self._device_peak_bytes()
                if peak_bytes is not None:
                    return peak_bytes / 2**20
        except Exception:
            pass
        return memory.peak_mb()

    def device_name(self):
        """The accelerator's name ("NVIDIA H100 80GB HBM3"), None on a CPU
        or when it cannot be read."""
        try:
            return self._device_name()
        except Exception:
            return None

    def peak_flops(self, dtype="float32"):
        """(flops_per_sec, label) of this device: `peak.peak_flops`."""
        return peak.peak_flops(self.device_name(), dtype)

    def compile_counter(self, model, step_function):
        """A no-argument function returning how many times `model`'s
        `step_function` ("train", "test" or "predict") step has compiled;
        never raises (a counter that stays at 0 where the framework cannot
        say)."""
        try:
            return (self._compile_counter(model, step_function)
                    or null_counter())
        except Exception:
            return null_counter()

    def _on_device(self):
        # Asked once: whether the device keeps memory statistics.
        if self._device_memory is None:
            try:
                self._device_memory = self._device_peak_bytes() is not None
            except Exception:
                self._device_memory = False
        return self._device_memory

    # ---- framework calls -------------------------------------------------

    def _flops(self, model, step_function, batch):
        """The framework's FLOP count of one step; None if it cannot tell."""
        return None

    def _device_name(self):
        return None

    def _device_peak_bytes(self):
        """The device allocator's peak in bytes; None without a device."""
        return None

    def _reset_device_peak(self):
        """Resets the device's peak; False where it cannot be reset."""
        return False

    def _compile_counter(self, model, step_function):
        return null_counter()
