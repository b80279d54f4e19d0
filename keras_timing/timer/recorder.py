"""One run of a launch: its statistics, writer, capture and current call.

Each call (`call.py`) turns its Keras hooks into calls on a `RunRecorder`;
the launch's timeline times the steps and its writer thread drains them back
here (`take`), where they become statistics and event-file points. Profiling
is a capture object or a `NullCapture`, so no hook branches on it.
"""

import math
import warnings

from keras_timing import schema
from keras_timing.events.writer import RunWriter
from keras_timing.timer import data_epochs
from keras_timing.timer import keras_loop
from keras_timing.analysis.bulk import StepBlock
from keras_timing.analysis.stats import RunStats


class NullCapture:
    """Profiling off: every capture call does nothing."""

    active = False
    sessions = ()

    def begin(self, first, last):
        pass

    def epoch_end(self, last_step):
        pass

    def trigger(self, window, reason):
        pass

    def stop(self, died=False):
        return []


class NullSlowSteps:
    """`profile_slow_steps` off."""

    def reset(self):
        pass

    def observe(self, step, t):
        return None


class _Call:
    """One fit/evaluate/predict (or one validation pass) of a run."""

    __slots__ = ("number", "begin", "end", "steps_ms", "nested_ms",
                 "parent", "first_step", "last_step", "steps", "data_end_ms")

    def __init__(self, number, begin, parent):
        self.number, self.begin, self.parent = number, begin, parent
        self.end = None
        self.steps_ms = self.nested_ms = 0.0
        # Its data adapter's epoch ends (`data_epochs`): the clock's total
        # at its begin, then (at its end) its own.
        self.data_end_ms = 0.0
        self.first_step = self.last_step = None
        self.steps = 0


class RunRecorder:
    """Records one run folder (e.g. `<launch>/train`) across its calls.

    Args:
        name: The run folder's name (`train`, `predict_encoder`, ...).
        path: The folder events are written to.
        timeline: The launch's `Timeline`, shared by its runs.
    """

    def __init__(self, name, path, timeline):
        self.name = name
        self.run = schema.base_run(name) or name
        self.timeline = timeline
        self.stats = RunStats(name)
        self.writer = RunWriter(path)
        self.capture = NullCapture()
        self.slow = NullSlowSteps()
        self.owner = None     # the timer whose call runs now
        # The Keras step function the run calls (train / test / predict).
        self.step_function = schema.STEP_FUNCTIONS.get(self.run, "test")
        self.last_call_steps = 0
        self.hold = False
        self.call_first_step = 1
        self.offset = 0
        self.last_step = 0
        self.loop = keras_loop.LoopInfo()
        self.steps_per_execution = 1
        self._full_below, self._full_size = 0, None
        self.calls = []
        self.told_unknown_size = False
        self.data_clock = None
        self.data_workers = 0

    # ---- calls ------------------------------------------------------------

    def start_call(self, loop, t, steps_per_execution=1, parent=None):
        self.loop = loop
        # Predict sizes each batch from its outputs; the others cannot size
        # an epoch's last batch when the data's length is unknown.
        self.hold = loop.partial_unknown and self.run != schema.PREDICT
        self.call_first_step = self.last_step + 1
        self.offset = self.last_step
        self.steps_per_execution = steps_per_execution
        # `end`'s shortcut: the batches below this one are full ones of
        # `loop.batch_size` samples (none where predict sizes each).
        self._full_size = loop.batch_size
        self._full_below = 0 if (
            self.run == schema.PREDICT or steps_per_execution != 1
            or not loop.batch_size) else (
            loop.num_batches - (loop.partial_batch_size is not None)
            if loop.num_batches else math.inf)
        self.timeline.anchor(self, t, first_of_call=True)
        self.calls.append(_Call(self.timeline.call_number(self), t, parent))
        self.data_clock = data_epochs.clock_of(loop.adapter)
        self.data_workers = data_epochs.workers(loop.adapter)
        if self.data_clock is not None:
            self.calls[-1].data_end_ms = self.data_clock.total_ms

    def epoch_begin(self, t):
        self.offset = self.last_step
        self.timeline.anchor(self, t)
        self.slow.reset()

    def settle(self, compiled, values=None, released=None):
        """The latest step is over; `compiled`: it compiled; `values`:
        its measured figures; `released`: see `Timeline.begin`."""
        self.timeline.settle(self, compiled, self.hold, values, released)

    def end_call(self, t):
        """The call ended at `t` (its latest step settled before)."""
        if self.calls and self.calls[-1].end is None:
            call = self.calls[-1]
            call.end = t
            # Keras ran the adapter's last epoch end of the call by now.
            clock = self.data_clock
            call.data_end_ms = (clock.total_ms - call.data_end_ms
                                if clock is not None else 0.0)

    # ---- steps ------------------------------------------------------------

    def begin(self, batch, t, compiled=False, values=None, released=None):
        """A step's begin hook; `compiled`: the previous step compiled;
        `values`: the previous step's measured figures; `released`: see
        `Timeline.begin`."""
        first = self.offset + batch + 1
        self.timeline.begin(self, first, t, compiled, self.hold, values,
                            released)
        if self.last_step < first - 1:
            self.last_step = first - 1
        return first

    def end(self, batch, t, logs):
        if batch < self._full_below:
            # The usual step: a full batch of known size, one step a call.
            last = self.offset + batch + 1
            if last > self.last_step:
                self.last_step = last
            return self.timeline.end(self, last, t, self._full_size)
        loop = self.loop
        if loop.num_batches and batch >= loop.num_batches:
            # Keras names the last call's end step as if it ran all of
            # `steps_per_execution` steps, also past the data's end.
            batch = loop.num_batches - 1
        samples = None
        if self.run == schema.PREDICT and logs and "outputs" in logs:
            samples = loop.output_samples(logs["outputs"])
        elif loop.batch_size:
            if self.steps_per_execution == 1 and (
                    loop.partial_batch_size is None
                    or batch != loop.num_batches - 1):
                samples = loop.batch_size
            else:
                samples = _SamplesOf(loop, batch)
        last = self.offset + batch + 1
        if last > self.last_step:
            self.last_step = last
        return self.timeline.end(self, last, t, samples)

    # ---- drained steps ------------------------------------------------------

    def take(self, times, final=False, peak_mb=None):
        """Folds drained `StepTime`s (a list or a `StepBlock`) in and
        writes their points; the last carries the memory peak since the
        previous write."""
        block = times if isinstance(times, StepBlock) else StepBlock(times)
        numbers, at, n = block.call_numbers(), 0, len(block)
        while at < n:
            # Steps come in call order: one look-up and one sum per call.
            number = numbers[at]
            stop = at + 1 if numbers[-1] != number else n
            while stop < n and numbers[stop] == number:
                stop += 1
            call = self._call(number)
            if call is not None:
                self._count(call, block, at, stop)
            at = stop
        points = self.stats.add_rows(block, final=final)
        self.stats.memory_point(points, peak_mb)
        self.writer.scalar_rows(points)
        if self.stats.unknown_batch_size and not self.told_unknown_size:
            self.told_unknown_size = True
            warnings.warn(
                "keras_timing: the batch size of %s batches is unknown "
                "(neither the data adapter nor the data says it), so "
                "figures are per step; pass FitPredictTimer(batch_size=...) "
                "to set it." % self.name, stacklevel=2)

    @staticmethod
    def _count(call, block, a, b):
        """Steps `a..b-1` of a `StepBlock` into their call's sums."""
        steps = block.steps[a:b]
        interval = (block.batch[a:b] + block.wait[a:b]) * steps
        # Added in step order, as one step at a time would.
        call.steps_ms = sum(interval.tolist(), call.steps_ms)
        call.steps += int(steps.sum())
        if call.first_step is None:
            t = block.times[a]
            call.first_step = t.first_step
            if call.parent is not None:
                # Validation begun while the fit's queued steps still ran:
                # its call starts where they ended, or the fit would count
                # that time twice.
                start = t.end_time - (
                    t.interval_ms + t.epoch_start_ms * t.steps) / 1e3
                call.begin = max(call.begin, start)
        call.last_step = int(block.last[b - 1])

    def _call(self, number):
        for call in reversed(self.calls):
            if call.number == number:
                return call
        return None

    def finish_calls(self):
        """Writes `call_ms` and `outside_steps_ms` of every call that ended
        and has no step left in the timeline; returns those calls."""
        done = []
        while self.calls and self.calls[0].end is not None and (
                not self.timeline.has_pending(self, self.calls[0].number)):
            call = self.calls.pop(0)
            call_ms = (call.end - call.begin) * 1e3
            outside = call_ms - call.steps_ms - call.nested_ms
            self.stats.add_call(call_ms, outside, call.data_end_ms,
                                self.data_workers)
            if call.parent is not None:
                call.parent.nested_ms += call_ms
            self.last_call_steps = call.steps
            step = call.last_step or max(self.last_step, 1)
            self.writer.scalars(step, {schema.CALL_MS: call_ms,
                                       schema.OUTSIDE_STEPS_MS: outside})
            done.append(call)
        return done

    def current_call(self):
        return self.calls[-1] if self.calls else None

    def close(self):
        try:
            self.capture.stop()
        finally:
            self.writer.close()


class _SamplesOf:
    """The sample count of a call ending at local step `last`, evaluated at
    drain time (a plain object: cheaper than a closure in the hook)."""

    __slots__ = ("loop", "last")

    def __init__(self, loop, last):
        self.loop, self.last = loop, last

    def __call__(self, steps):
        return self.loop.samples(self.last - steps + 1, self.last)
