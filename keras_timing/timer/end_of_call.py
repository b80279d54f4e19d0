"""What a call's end writes and prints: each run's summary (text and
scalars in its event files), its verdict, and the fit/predict ratio with
its interval and note.

Shared by every run of a launch; `Launch.summarize` calls it at each outer
call's end (the summaries of `analysis/summary.py`, the verdicts of
`analysis/verdict.py`, the ratio of `analysis/fit_predict.py`).
"""

from keras_timing import schema
from keras_timing.analysis import fit_predict as ratio_lib
from keras_timing.analysis import summary as summary_text
from keras_timing.analysis import verdict as verdict_lib
from keras_timing.analysis.figures import SUMMARY_FIELDS


def summarize(launch, run, also=None, verbose=1):
    """At a call's end: the summary of `run` (and of its `also` run,
    validation for train) as text and scalars, and printed.

    Args:
        launch: The `Launch` of the run.
        run: The `RunRecorder` whose call ended.
        also: A run shown with it (validation for train), or None.
        verbose: 0: write only, print nothing.
    """
    shown = [run] + [r for r in launch.recorders.values()
                     if r.run == also and r.name.replace(
                         also, run.run, 1) == run.name]
    summaries = launch.summaries()
    fp = fit_predict(launch, summaries)
    verdicts = {r.name: verdict_lib.verdict(
        summaries[r.name], summaries, summaries[r.name]["data_in_step"]
        == 1) for r in shown}
    for r in shown:
        s = summaries[r.name]
        text = summary_text.markdown(
            [s], fp.ratio, fp.basis, fp.low, fp.high, fp.note) + (
            "\n" + verdict_lib.line(r.name, verdicts[r.name]) + "\n")
        r.writer.text(schema.SUMMARY_TEXT, r.last_step, text)
        r.writer.scalars(r.last_step, {
            schema.SUMMARY_SCALARS + k: s[k]
            for k in SUMMARY_FIELDS if s[k] == s[k]})
        r.writer.flush()
    if not verbose:
        return
    if run.last_call_steps < 5 or run.name != run.run:
        # A tiny call, or another model's: one line at most, and why
        # the ratio is missing where a tiny call left it so.
        print(summary_text.short_line(summaries[run.name]))
        if fp.ratio != fp.ratio and run.name == run.run and {
                schema.TRAIN, schema.PREDICT} <= set(summaries):
            print(summary_text.ratio_line(fp.ratio, note=fp.note))
        return
    out = ["", "keras_timing (%s):" % launch.path]
    for r in shown:
        out += summary_text.lines(summaries[r.name])
        out.append("  " + verdict_lib.line(r.name, verdicts[r.name]))
    if fp.ratio == fp.ratio or {schema.TRAIN, schema.PREDICT} <= set(
            summaries):
        out.append(summary_text.ratio_line(fp.ratio, fp.basis, fp.low,
                                           fp.high, fp.note))
    print("\n".join(out))


def fit_predict(launch, summaries=None):
    """The fit/predict ratio of `launch`'s model with its interval and
    note (`analysis.fit_predict.FitPredict`); `summaries`: the launch's,
    where the caller has them."""
    summaries = launch.summaries() if summaries is None else summaries
    with launch.lock:
        stats = {name: r.stats for name, r in launch.recorders.items()
                 if name in (schema.TRAIN, schema.PREDICT)}
    return ratio_lib.fit_predict(summaries, stats)
