"""A log replayed in stretches gives the rows one entry at a time gives.

`replay.replay` takes a stretch of one run's begins and ends at once where
they come in the usual order. Random logs (hypothesis: two runs, steps in
order or begun again, late and out-of-order ends, spans of several steps,
anchors, settles after compiles, holds, closes) are replayed twice, in the
same random chunks (the writer's drains): once with every stretch tried
and once with none. Every column taken after every chunk must be equal.
"""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_timing.timer import replay as replay_lib
from keras_timing.timer.clock import Timeline
from keras_timing.timer.replay import ANCHOR
from keras_timing.timer.replay import BEGIN
from keras_timing.timer.replay import BEGIN_AFTER
from keras_timing.timer.replay import CLOSE
from keras_timing.timer.replay import END
from keras_timing.timer.replay import SETTLE
from keras_timing.timer.rows import Rows

RUNS = ("train", "validation")


@st.composite
def logs(draw):
    log, t = [], 0.0
    step = {run: 0 for run in RUNS}
    open_ = {run: [] for run in RUNS}
    for _ in range(draw(st.integers(1, 120))):
        t += draw(st.sampled_from([0.0, 1e-4, 0.01]))
        run = draw(st.sampled_from(RUNS + ("train",) * 4))
        what = draw(st.sampled_from(
            ["step"] * 12 + ["late"] * 4 + ["again"] * 2 + ["end"] * 2 + [
                "span", "anchor", "call", "compiled", "hold", "close",
                "stray"]))
        if what in ("step", "late", "span"):
            first = step[run] + 1
            step[run] = first + (draw(st.integers(1, 3)) - 1
                                 if what == "span" else 0)
            # With the step before's measured figures, or none.
            log += [BEGIN, run, first, t, draw(st.sampled_from(
                [None, {"fetch_ms": t}]))]
            open_[run].append(step[run])
            if what != "late":
                # Its end at once, or the oldest open one's (in order).
                last = open_[run].pop(0)
                log += [END, run, last, t + 1e-5, 32]
        elif what == "end" and open_[run]:
            # A late end, in order or not.
            k = draw(st.integers(0, len(open_[run]) - 1))
            log += [END, run, open_[run].pop(k), t, None]
        elif what == "again" and step[run]:
            # The same step begun anew (or an earlier one).
            first = max(1, step[run] - draw(st.integers(0, 2)))
            log += [BEGIN, run, first, t, None]
            open_[run] = [s for s in open_[run] if s < first] + [first]
        elif what == "stray":
            # An end hook with no step of its own open.
            log += [END, run, draw(st.integers(0, step[run] + 1)), t, None]
        elif what in ("anchor", "call"):
            log += [ANCHOR, run, what == "call", t, None]
        elif what in ("compiled", "hold"):
            step[run] += 1
            log += [BEGIN_AFTER, run, step[run], t,
                    (what == "compiled", what == "hold", None,
                     t if what == "compiled" else None)]
            open_[run].append(step[run])
        elif what == "close":
            log += [SETTLE, run, 0, None, (False, False, None, None)]
            log += [CLOSE, None, 0, None, None]
            open_ = {r: [] for r in RUNS}
    n = len(log) // 5
    cuts = sorted(set(draw(st.lists(st.integers(0, n), max_size=8))))
    return log, [0] + cuts + [n]


def _taken(log, cuts, stretch):
    kept, replay_lib.STRETCH = replay_lib.STRETCH, stretch
    try:
        rows, out = Rows(), []
        for a, b in zip(cuts, cuts[1:]):
            replay_lib.replay(rows, log[5 * a:5 * b])
            # One row a step in every column, whatever the path.
            assert len({len(column) for column in rows.columns}) == 1
            out.append(rows.take())
            out.append((rows.has_pending("train", 10**9),
                        rows.mark("validation", 1, 10**9, "profiled")))
        rows.close()
        out.append(rows.take())
        return out
    finally:
        replay_lib.STRETCH = kept


@settings(max_examples=400, deadline=None)
@given(logs())
def test_stretches_replay_as_entries_one_at_a_time(drawn):
    log, cuts = drawn
    assert _taken(log, cuts, 1) == _taken(log, cuts, 10**9)


def test_a_fit_of_back_to_back_steps_is_replayed_in_stretches(monkeypatch):
    # The usual log: steps of one run, each ended before the next began:
    # one stretch a drain. Counted by the entries each replays at once.
    added = []
    stretch = replay_lib._stretch

    def counting(rows, entries, a, b, kinds):
        done = stretch(rows, entries, a, b, kinds)
        added.append((b - a, done))
        return done

    monkeypatch.setattr(replay_lib, "_stretch", counting)
    line = Timeline()
    line.anchor("train", 0.0, first_of_call=True)
    times = []
    for steps in (range(1, 51), range(52, 101)):
        # Two drains (the writer's), each a stretch of its own; the first
        # came after step 51 began, before it ended.
        if steps[0] > 1:
            line.end("train", 51, t=51.5, samples=32)
        for step in steps:
            line.begin("train", step, t=float(step))
            line.end("train", step, t=step + 0.5, samples=32)
        if steps[0] == 1:
            line.begin("train", 51, t=51.0)
        else:
            line.settle("train")
            # The next call's anchor, then the epoch's close (no run): not
            # part of the stretch.
            line.anchor("validation", 1000.0, first_of_call=True)
            line.close()
        times += list(line.drain())
    # The second opens with the end of step 51, which the first drain
    # left open: it ends in the stretch.
    assert added == [(101, True), (99, True)]
    assert [t.first_step for t in times] == list(range(1, 101))
    assert {t.batch_ms for t in times[1:]} == {500.0}
    assert {t.input_wait_ms for t in times[1:]} == {500.0}
    assert times[0].kind == "first" and times[1].kind is None


def test_end_hooks_two_steps_behind_are_replayed_in_stretches(
        monkeypatch):
    # JAX's and torch's order: Keras's pool runs step n's end hook after
    # step n+2 began, so every drain finds two steps open, and now and then
    # two end hooks out of order (steps 148 and 147 here). Each drain is
    # one stretch, and the steps are those of one entry at a time.
    added = []
    stretch = replay_lib._stretch
    monkeypatch.setattr(replay_lib, "_stretch", lambda *a: added.append(
        (a[3] - a[2], stretch(*a))) or added[-1][1])
    log = [ANCHOR, "train", True, 0.0, None]
    for step in range(1, 201):
        log += [BEGIN, "train", step, float(step), {"fetch_ms": 0.25}]
        if step == 149:
            log += [END, "train", 148, 149.5, 32, END, "train", 147, 149.6,
                    32]
        elif step > 2 and step != 150:
            log += [END, "train", step - 2, step + 0.5, 32]
    log += [END, "train", 199, 201.0, 32, END, "train", 200, 201.5, 32]
    n = len(log) // 5
    cuts = [0, 1, 90, 250, n]
    at_once = _taken(log, cuts, replay_lib.STRETCH)
    assert [done for _, done in added] == [True] * 3
    assert at_once == _taken(log, cuts, 10**9)
    drained = [step for taken in at_once[0::2] for step in taken[0][2]]
    assert drained == list(range(1, 201))
    ends = [end for taken in at_once[0::2] for end in taken[0][5]]
    assert ends[146:148] == [149.6, 149.5]


def _steps(*entries):
    log = []
    for kind, step, t in entries:
        log += [kind, "train", step, t, 32 if kind == END else None]
    return log


def test_an_end_before_any_begin_of_the_stretch_ends_nothing():
    # A stray end hook first (its step's row was dropped), then steps.
    log = _steps((END, 1, 0.5), (BEGIN, 1, 1.0), (BEGIN, 2, 2.0),
                 (END, 2, 2.5))
    one = _taken(log, [0, 4, 4], 10**9)
    assert _taken(log, [0, 4, 4], 1) == one
    # Step 1 never ended: closed and dropped; step 2 is drained.
    assert one[-1][0][2] == [2] and one[0][0][2] == []


def test_an_end_below_its_rows_first_step_ends_nothing():
    log = _steps((BEGIN, 5, 1.0), (END, 3, 1.5), (BEGIN, 6, 2.0),
                 (END, 6, 2.5))
    one = _taken(log, [0, 4], 10**9)
    assert _taken(log, [0, 4], 1) == one
    assert one[-1][0][2] == [6]


def test_a_held_row_keeps_its_stretch_to_entries_one_at_a_time():
    # Step 1 ended and was settled as maybe an epoch's partial last batch
    # (held): step 2's end says it was not, so it is drained; step 2, the
    # latest, once closed.
    log = _steps((BEGIN, 1, 1.0), (END, 1, 1.5))
    log += [SETTLE, "train", 0, None, (False, True, None, None)]
    log += _steps((BEGIN, 2, 2.0), (END, 2, 2.5))
    one = _taken(log, [0, 3, 5], 10**9)
    assert _taken(log, [0, 3, 5], 1) == one
    assert one[2][0][2] == [1] and one[-1][0][2] == [2]


def test_a_begin_after_a_compile_gives_the_step_before_its_figures():
    log = _steps((BEGIN, 1, 1.0), (END, 1, 1.5))
    log += [BEGIN_AFTER, "train", 2, 2.0,
            (True, False, {"fetch_ms": 3.0}, None)]
    log += _steps((END, 2, 2.5))
    for stretch in (1, 10**9):
        taken = _taken(log, [0, 4], stretch)
        columns = taken[0][0]
        # Row 1: compiled (a recompile), its fetch measured.
        assert columns[2] == [1] and columns[10] == [True]
        assert columns[12] == [{"fetch_ms": 3.0}]


def test_a_stretch_of_exactly_the_threshold_is_taken_at_once(monkeypatch):
    added = []
    stretch = replay_lib._stretch
    monkeypatch.setattr(replay_lib, "_stretch", lambda *a: added.append(
        a[3] - a[2]) or stretch(*a))
    log = []
    for step in range(1, replay_lib.STRETCH // 2 + 1):
        log += _steps((BEGIN, step, float(step)), (END, step, step + 0.5))
    rows = Rows()
    replay_lib.replay(rows, log)
    assert added == [replay_lib.STRETCH]
    assert rows.take()[0][2] == list(range(1, replay_lib.STRETCH // 2))
