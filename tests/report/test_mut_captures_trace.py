"""Per-step times of a REAL profiler trace (`report.captures`), read back
by xprof's own converter and judged against the clock of the process that
recorded them.

The trace is written by a fresh subprocess (JAX's profiler around marked
steps of a small jitted computation), so this test process imports no
framework: mutmut forks it per mutant, and a process that has run JAX or
TensorFlow deadlocks when forked."""

import json
import math
import os
import subprocess
import sys
import tempfile

import pytest

from keras_timing.analysis.steps import StepTime
from keras_timing.report import captures

pytest.importorskip("xprof.convert.raw_to_tool_data")

# Steps 8-12 cross 10 (two digits) and the step's name has a space, as a
# user's may: the number is the name's last word.
STEPS = range(8, 13)
NAME = "train step"

# Marked steps of 1..5 calls each; prints each step's milliseconds by this
# process's clock: inside the marker (`inner`, which the marker's own
# span contains) and around it (`outer`, which contains the marker's).
RECORD = """
import json, sys, time
import jax, jax.numpy as jnp
f = jax.jit(lambda a: (a @ a).sum())
x = jnp.ones((200, 200))
f(x).block_until_ready()
jax.profiler.start_trace(sys.argv[1])
inner, outer = {}, {}
for n, step in enumerate(%r, 1):
    t0 = time.perf_counter()
    with jax.profiler.StepTraceAnnotation(%r, step_num=step):
        t1 = time.perf_counter()
        for _ in range(n):
            f(x).block_until_ready()
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    inner[step], outer[step] = (t2 - t1) * 1e3, (t3 - t0) * 1e3
jax.profiler.stop_trace()
print(json.dumps({"inner": inner, "outer": outer}))
""" % (list(STEPS), NAME)

# xprof gives microseconds; the two clocks may differ by a little.
TOL_MS = 0.05


@pytest.fixture(scope="session")
def trace(tmp_path_factory):
    """`(run_dir, xplane path, {"inner"|"outer": {step: ms}})`."""
    run = str(tmp_path_factory.mktemp("jax_trace") / "train")
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", RECORD, run], env=env,
                          capture_output=True, text=True, timeout=600,
                          check=True)
    clock = {side: {int(s): ms for s, ms in per.items()}
             for side, per in json.loads(done.stdout).items()}
    (found,) = captures.find_captures(run)
    return run, found["file"], clock


def test_each_marked_step_in_order_within_the_recorders_clock(trace):
    _, xplane, clock = trace
    measured = captures.profiler_step_ms(xplane)
    assert list(measured) == list(STEPS)
    for step, ms in measured.items():
        assert type(ms) is float
        assert clock["inner"][step] - TOL_MS <= ms, step
        assert ms <= clock["outer"][step] + TOL_MS, step


def test_the_converter_leaves_nothing_beside_the_trace_or_in_tmp(
        trace, tmp_path, monkeypatch):
    _, xplane, _ = trace
    folder = os.path.dirname(xplane)
    before = sorted(os.listdir(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert captures.profiler_step_ms(xplane)
    assert sorted(os.listdir(folder)) == before
    assert os.listdir(tmp_path) == []


def _time(step, batch_ms):
    return StepTime(first_step=step, last_step=step, batch_ms=batch_ms,
                    input_wait_ms=0.0, end_time=0.0)


def test_list_captures_pairs_the_profilers_steps_with_the_timers(trace):
    run, xplane, _ = trace
    measured = captures.profiler_step_ms(xplane)
    times = [_time(11, 4.0), _time(9, 2.5), _time(99, 7.0)]
    (found,) = captures.list_captures(run, times)
    rows = found.pop("step_ms")
    assert found == captures.find_captures(run)[0]
    assert [r["step"] for r in rows] == list(STEPS)
    for row in rows:
        assert set(row) == {"step", "profiler_ms", "timer_batch_ms"}
        assert row["profiler_ms"] == pytest.approx(measured[row["step"]],
                                                   abs=0.002)
    timer = {r["step"]: r["timer_batch_ms"] for r in rows}
    assert timer[9] == 2.5 and timer[11] == 4.0
    assert all(math.isnan(timer[s]) for s in (8, 10, 12))


def test_a_torch_trace_beside_it_gets_no_profiler_rows(trace, tmp_path):
    run, xplane, _ = trace
    torch = os.path.join(run, "torch_traces", "zz_session")
    os.makedirs(torch, exist_ok=True)
    with open(os.path.join(torch, "h.pt.trace.json"), "w") as f:
        f.write("{}")
    try:
        found = captures.list_captures(run, [])
    finally:
        os.remove(os.path.join(torch, "h.pt.trace.json"))
        os.rmdir(torch)
    assert [c["file"] for c in found] == [
        xplane, os.path.join(torch, "h.pt.trace.json")]
    assert "step_ms" in found[0] and "step_ms" not in found[1]


def test_a_truncated_trace_gives_no_steps_not_an_error(trace, tmp_path):
    """A capture cut short (the process killed while it wrote) is a file
    xprof cannot parse: the report shows no steps for it and goes on."""
    _, xplane, _ = trace
    with open(xplane, "rb") as f:
        head = f.read()[:7]
    cut = tmp_path / "cut.xplane.pb"
    cut.write_bytes(head)
    assert captures.profiler_step_ms(str(cut)) == {}
