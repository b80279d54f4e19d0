"""The report page's markup (`report.html`) in full where a reader or a
browser depends on it: the summary table, the ratio paragraph, the
verdict list past a run without a verdict, the section's headings and
notes, the per-sample chart's title with the launch's ratio. No Keras."""

from keras_timing.report import html
from report.test_mut_charts import Chart
from report.test_mut_html import CAPTURES
from report.test_mut_html import _launch

def test_the_summary_table_in_full():
    assert html.summary_table({"t": {"steps": 2, "p50_ms": 1.5}}) == (
        '<table class="summary"><tr><th>run</th><th>steps</th><th>p50 ms'
        '</th><th>p90 ms</th><th>p99 ms</th><th>first batch ms</th><th>'
        'recompile ms</th><th>warm-up steps</th><th>input wait</th><th>'
        'samples/s</th><th>ms/sample</th><th>bound</th></tr>\n'
        '<tr data-run="t"><td>t</td><td class="n" data-value="2">2</td>'
        '<td class="n" data-value="1.5">1.5</td>'
        + '<td class="n">n/a</td>' * 8 + '<td>n/a</td></tr></table>')

def test_the_ratio_paragraph_and_the_partial_note_in_full():
    launch = _launch(fit_predict_ratio=2.0, fit_predict_ratio_partial=True)
    launch["runs"]["train"]["partial"] = True
    out = html.launch_table(launch).split("\n")
    out = [line for line in out if line.startswith("<p")]
    assert out[0] == (
        '<p class="partial">partial: train: an event file is damaged; the '
        'figures hold only the steps read before the damage; the fit vs '
        'predict ratio rests on a partial run</p>')
    assert out[1] == ('<p class="ratio" data-value="2.0">fit vs predict per '
                      'sample: 2x (rests on a partial run)</p>')

def test_a_run_without_a_verdict_does_not_end_the_list():
    runs = {"evaluate": {"steps": 1},
            "train": {"verdict": {"bound": "host", "why": "w"}}}
    assert html.verdict_list(runs) == (
        '<ul class="verdicts"><li><b>train</b>: host-bound: w</li></ul>')

def test_the_section_headings_and_notes_in_full():
    out = html.launch_section(_launch(captures=CAPTURES)).split("\n")
    assert out[0] == '<section data-launch="l&lt;&amp;&gt;">'
    assert out[1] == "<h2>l&lt;&amp;&gt;</h2>"
    at = out.index("<h3>Fit vs predict, per sample</h3>")
    assert out[at + 1].startswith("<svg")
    note = '<p class="note">%s</p>' % html.html.escape(html.PER_SAMPLE_NOTE)
    assert note in out
    assert "<h3>Step times</h3>" not in out
    at = out.index("<h3>Profiler captures</h3>")
    assert out[at + 1].startswith('<table class="captures">')
    assert out[-2] == (
        '<p class="note">.xplane.pb: run <code>tensorboard --logdir LOGDIR'
        '</code> and open the Profile tab; .pt.trace.json: open it in '
        'https://ui.perfetto.dev or chrome://tracing.</p>')
    assert out[-1] == "</section>"

def test_the_step_times_heading():
    from keras_timing.analysis.steps import StepTime
    out = html.launch_section(_launch(), {"train": [
        StepTime(1, 1, 2.0, 0.0, 0.0)]}).split("\n")
    at = out.index("<h3>Step times</h3>")
    assert out[at + 1].startswith("<svg")

def test_the_per_sample_chart_says_the_launchs_ratio():
    launch = _launch(fit_predict_ratio=2.5, fit_predict_ratio_low=2.25,
                     fit_predict_ratio_high=2.75)
    for run, ms in (("train", 0.05), ("predict", 0.02)):
        launch["runs"][run]["ms_per_sample"] = ms
    out = html.launch_section(launch)
    chart = Chart(out[out.index("<svg"):out.index("</svg>") + 6])
    assert chart.texts[-1] == (
        "fit vs predict per sample: 2.5x (95% interval 2.25 - 2.75)")
    assert "0.05 ms" in chart.texts
    bare = html.launch_section(_launch())
    chart = Chart(bare[bare.index("<svg"):bare.index("</svg>") + 6])
    assert chart.texts[-1] == ("fit vs predict per sample: n/a (no train "
                               "and predict runs both)")
