"""Reading profiler captures back: xprof's converter for `.xplane.pb`
(TensorFlow, JAX), the Chrome trace JSON for torch."""

import glob
import json
import os
import re
import shutil

import keras

BACKEND = keras.backend.backend()
XPLANE = BACKEND in ("tensorflow", "jax")


def overview(xplane, scratch):
    """xprof's overview page of one .xplane.pb, as parsed JSON."""
    from xprof.convert import raw_to_tool_data

    # The converter writes cache files beside its input: give it a copy.
    os.makedirs(scratch, exist_ok=True)
    copy = shutil.copy(xplane, scratch)
    data, _ = raw_to_tool_data.xspace_to_tool_data([copy], "overview_page",
                                                   {})
    assert data, "xprof could not convert %s" % xplane
    page = json.loads(data)
    assert "No step marker" not in json.dumps(page)
    return page


def overview_steps(page):
    """(name, step) of each row of the overview page's step-time table."""
    out = []
    for table in page:
        cols = [c.get("id") for c in table.get("cols", [])]
        if cols[:1] == ["stepnum"]:
            for row in table["rows"]:
                name, num = row["c"][0]["v"].rsplit(" ", 1)
                out.append((name, int(num)))
    return out


def torch_steps(path):
    """The step numbers of the `ProfilerStep#N` ranges of a torch trace."""
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    return sorted(int(m.group(1)) for e in events
                  for m in [re.fullmatch(r"ProfilerStep#(\d+)",
                                         e.get("name", ""))]
                  if m and e.get("ph") == "X")


def marked_steps(session, scratch):
    """(name, step) rows of the capture in folder `session`; torch traces
    have no phase name in their markers: "step"."""
    if XPLANE:
        (trace,) = glob.glob(os.path.join(session, "*.xplane.pb"))
        return overview_steps(overview(trace, scratch))
    (trace,) = glob.glob(os.path.join(session, "*.pt.trace.json"))
    return [("step", n) for n in torch_steps(trace)]


def step_numbers(session, scratch):
    return [n for _, n in marked_steps(session, scratch)]


def sidecar(session):
    """The capture's `keras_timing_capture.json`, parsed."""
    from keras_timing import schema

    with open(os.path.join(session, schema.SIDECAR)) as f:
        return json.load(f)
