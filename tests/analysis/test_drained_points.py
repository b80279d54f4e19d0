"""A block drained from a Timeline (the writer's input, `StepBlock.timed`)
written through `RunStats.add_rows`, read back with tbparse: the same
points as the drained steps one by one through a `RunStats` of their own.
The steps that open a pass, carry a measured figure or run two steps a
call are odd (their own points); the rest go by the bulk path."""

from tbparse import SummaryReader

from keras_timing.analysis.stats import RunStats
from keras_timing.events.writer import RunWriter
from keras_timing.timer.clock import Timeline


def _read(folder):
    frame = SummaryReader(str(folder)).scalars
    return sorted(frame[["step", "tag", "value"]].itertuples(index=False))


def _drained():
    """Two epochs of train steps (anchors at 0.0 and 10.0): 0.1 s steps,
    32 samples; step 3 a call of two steps; step 4 with a measured fetch."""
    line = Timeline()
    blocks, t = [], 0.0
    for epoch, first in ((0, 1), (1, 8)):
        line.anchor("train", 10.0 * epoch, first_of_call=epoch == 0)
        t = 10.0 * epoch + 0.05
        step = first
        while step < first + 6:
            last = step + 1 if step == 3 else step
            # A begin hook carries the previous step's measured figures.
            values = {"fetch_ms": 4.0} if step == 5 else None
            line.begin("train", step, t=t, values=values)
            line.end("train", last, t=t + 0.1 * (last - step + 1),
                     samples=32 * (last - step + 1))
            t += 0.1 * (last - step + 1) + 0.01
            step = last + 1
        line.settle("train")
        blocks.append(line.drain())
    return blocks


def test_a_drained_block_writes_what_its_steps_write_one_by_one(tmp_path):
    blocks = _drained()
    assert any(t.opens for b in blocks for t in b)
    assert any(t.values for b in blocks for t in b)
    bulk, one = RunStats("train"), RunStats("train")
    w1, w2 = RunWriter(str(tmp_path / "bulk")), RunWriter(str(tmp_path / "one"))
    for block in blocks:
        w1.scalar_rows(bulk.add_rows(block), wall_time=1.0)
        for t in list(block):
            w2.scalar_rows(one.add_rows([t]), wall_time=1.0)
    w1.close()
    w2.close()
    back = _read(tmp_path / "bulk")
    assert back == _read(tmp_path / "one")
    tags = {tag for _, tag, _ in back}
    assert "timing/epoch_start_ms" in tags and "timing/fetch_ms" in tags
