"""Properties of the Timeline under random hook sequences (hypothesis).

A simulated training loop drives one `Timeline` shared by several runs the
way the callback does: calls and epochs anchor, the training thread begins
steps (saying whether the previous one compiled), and end hooks run late,
in clumps and out of order, from a pool; validation begins while train
steps are still queued; a writer thread drains at any moment; Keras's
flushes close epochs and calls. Whatever the hooks' timing, no time may be
counted twice: the drained steps' intervals (input wait and epoch start
included) are disjoint, in begin order, inside the wall span from the
first anchor to the last end hook, and so sum to at most that span.
"""

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_timing.timer.clock import Timeline

T, V, P = "train", "validation", "predict"
EPS = 1e-9
# Clock advances between two hooks: none (the same timestamp), a clump's
# microseconds, a step's milliseconds, a compile's stall.
GAPS = st.sampled_from([0.0, 1e-6, 1e-4, 2e-3, 0.02, 0.3, 1.5])


class _Loop:
    """Replays one drawn hook sequence into a Timeline."""

    def __init__(self, data):
        self.data = data
        self.line = Timeline(now=self._no_clock)
        self.t = 100.0
        self.last_step = {}
        self.pending = []      # (run, last step) begun, end hook not yet run
        self.out = []
        self.anchors = []
        self.hook_times = []

    @staticmethod
    def _no_clock():
        raise AssertionError("every hook passes its time")

    def tick(self):
        self.t += self.data.draw(GAPS)
        return self.t

    def maybe_drain(self):
        if self.data.draw(st.booleans()):
            self.out += self.line.drain()

    def deliver(self, everything=False):
        """Runs some pending end hooks, in any order (the pool's)."""
        n = len(self.pending) if everything else self.data.draw(
            st.integers(0, len(self.pending)))
        for _ in range(n):
            k = self.data.draw(st.integers(0, len(self.pending) - 1))
            run, last = self.pending.pop(k)
            t = self.tick()
            self.hook_times.append(t)
            self.line.end(run, last, t=t, samples=32)
            self.maybe_drain()

    def anchor(self, run, first_of_call):
        t = self.tick()
        self.anchors.append(t)
        self.line.anchor(run, t, first_of_call=first_of_call)

    def steps(self, run, hold):
        per_hook = self.data.draw(st.integers(1, 3))
        for _ in range(self.data.draw(st.integers(1, 6))):
            first = self.last_step.get(run, 0) + 1
            self.line.begin(run, first, t=self.tick(),
                            compiled=self.data.draw(st.booleans()),
                            hold=hold)
            last = first + per_hook - 1
            self.last_step[run] = last
            self.pending.append((run, last))
            self.deliver()
            self.maybe_drain()
        if self.data.draw(st.booleans()):
            # The data ran out: a step begun and never ended, begun again
            # as the next epoch's first step.
            self.line.begin(run, self.last_step[run] + 1, t=self.tick(),
                            hold=hold)

    def end_of(self, run, hold):
        """An epoch's or a call's end: Keras has run every end hook."""
        self.deliver(everything=True)
        self.line.settle(run, compiled=self.data.draw(st.booleans()),
                         hold=hold)
        self.line.close()
        self.maybe_drain()

    def call(self, run):
        hold = self.data.draw(st.booleans())
        epochs = self.data.draw(st.integers(1, 3)) if run == T else 1
        for epoch in range(epochs):
            self.anchor(run, first_of_call=epoch == 0)
            self.steps(run, hold)
            if run == T and self.data.draw(st.booleans()):
                # Validation begins while train's end hooks are pending.
                self.anchor(V, first_of_call=True)
                self.steps(V, False)
                self.line.settle(V, compiled=self.data.draw(st.booleans()))
            self.end_of(run, hold)


@settings(max_examples=600, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(st.data())
def test_step_intervals_are_disjoint_and_sum_to_at_most_the_wall(data):
    loop = _Loop(data)
    for run in data.draw(st.lists(st.sampled_from([T, P, T]), min_size=1,
                                  max_size=3)):
        loop.call(run)
    loop.out += loop.line.drain()
    assert loop.out, "every step ended, so some step was drained"
    assert loop.line.drain() == []

    wall_begin, wall_end = min(loop.anchors), max(loop.hook_times)
    total, prev_end = 0.0, wall_begin
    for step in loop.out:
        assert min(step.batch_ms, step.input_wait_ms,
                   step.epoch_start_ms) >= 0, step
        span = (step.interval_ms + step.epoch_start_ms * step.steps) / 1e3
        start = step.end_time - span
        # Disjoint and in begin order: each starts where the one before
        # it (any run) ended, or later.
        assert start >= prev_end - EPS, (step, prev_end)
        assert step.end_time <= wall_end + EPS, step
        total += span
        prev_end = step.end_time
    assert total <= wall_end - wall_begin + EPS
