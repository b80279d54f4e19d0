"""The report's HTML (`report.html`) on launches written by hand with
`RunWriter`: a live timer's verdicts (its `data_in_step`, its other runs)
and a page of two launches whose step charts are the chiefs', read back
with ElementTree (`test_mut_charts.Chart`). No Keras."""

from keras_timing import report
from keras_timing.report import html
from report.test_mut_charts import Chart
from report.test_mut_html import Timer
from report.test_mut_report import _run


def test_a_live_timers_verdict_takes_its_data_in_step(tmp_path):
    # A 6 ms step whose FLOPs need almost nothing: the read is inferred in
    # the step where the backend reads there (1), measured where it reads
    # before it (torch, 0; and a timer that has not said: False).
    _run(tmp_path / "l" / "train", 6.0, last={"mfu": 0.0004})
    (launch,) = report.report(str(tmp_path))
    train = {k: v for k, v in launch["runs"]["train"].items()
             if k != "verdict"}
    bounds = {}
    for inside in (1.0, 0.0, None):
        s = dict(train) if inside is None else dict(train,
                                                    data_in_step=inside)
        bounds[inside] = html.timer_launch(Timer({"train": s}, "l"))[
            "runs"]["train"]["verdict"]["bound"]
    assert bounds == {1.0: "input", 0.0: "host", None: "host"}


def test_a_live_timers_verdict_sees_its_other_runs(tmp_path):
    # validation's calls 600 ms of fit's 1600: validation-bound train.
    _run(tmp_path / "l" / "train", 2.0, calls=[(1000.0, 1.0), (600.0, 1.0)])
    _run(tmp_path / "l" / "validation", 1.0, calls=[(600.0, 1.0)])
    (launch,) = report.report(str(tmp_path))
    runs = {r: {k: v for k, v in s.items() if k != "verdict"}
            for r, s in launch["runs"].items()}
    timed = html.timer_launch(Timer(runs, "l"))
    assert timed["runs"]["train"]["verdict"]["bound"] == "validation"


def test_two_launches_and_a_workers_points_not_charted(tmp_path):
    _run(tmp_path / "a" / "train", 2.0, n=4)
    _run(tmp_path / "a" / "train" / "worker_1", 2.0, n=20)
    _run(tmp_path / "b" / "predict", 1.0, n=4)
    scanned = report.scan(str(tmp_path))
    page = html.page(report.report(scanned), scanned)
    assert page.count("</section>\n<section") == 1
    charts = page.split("<svg")[1:]
    # Per launch: the per-sample chart, then the step chart of its run.
    assert len(charts) == 4
    train = Chart("<svg" + charts[1][:charts[1].index("</svg>") + 6])
    # The chief's steps 2-5, not worker_1's 2-21.
    assert train.lines("#1f77b4")[0] == [2, 3, 4, 5]
