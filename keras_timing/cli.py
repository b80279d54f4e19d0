"""`keras-timing report | compare | demo | explain` on the command line.

Every command runs with C++ log lines dropped from the console and ends
quietly when its reader closes the pipe (`report.console`).
"""

import argparse
import json
import os
import sys

from keras_timing.explanation import cli as explain_cli
from keras_timing.report import compare as compare_cli
from keras_timing.report import console


def _report(args):
    from keras_timing import report

    scanned = None
    try:
        scanned = report.scan(args.log_dir)
        result = report.report(scanned)
    except report.ReportError as e:
        print("keras-timing report: %s" % e, file=sys.stderr)
        result = None
    # What was readable is reported; damaged files are named, and the exit
    # code says the folder was not whole. One walk serves both.
    damaged = report.damaged_files(scanned) if scanned is not None else []
    for path, reason in damaged:
        print("keras-timing report: %s: %s" % (path, reason),
              file=sys.stderr)
    if result is not None and args.html:
        from keras_timing.report import html

        try:
            html.write(args.html, result, scanned)
        except OSError as e:
            print("keras-timing report: --html %s: %s"
                  % (args.html, e.strerror or e), file=sys.stderr)
            return 2
        print("keras-timing report: wrote %s" % args.html, file=sys.stderr)
    if result is not None:
        if args.json:
            print(json.dumps(report.to_json_ready(result), indent=2))
        else:
            print(report.to_text(result))
    return 2 if result is None or damaged else 0


def _demo(args):
    from keras_timing import demo
    from keras_timing import report

    import keras

    from keras_timing import explain

    launches = demo.run(log_dir=args.log_dir, epochs=args.epochs)
    ours = {os.path.relpath(path, args.log_dir) for path in launches}
    result = [launch for launch in report.report(args.log_dir)
              if launch["launch"] in ours]
    print()
    print(report.to_text(result))
    print("Where does a training step go? (explain)\n")
    answers = []
    for (name, make), launch in zip(demo.EXAMPLES.items(), launches):
        model, x, y = make(keras)
        answer = explain(model, x, y, steps=args.explain_steps)
        print("[%s] %s\n" % (name, answer))
        explain_cli.write(launch, [(name, answer)])
        answers.append((name, answer))
    print(_two_ratios(result, answers))
    print("Look at it in TensorBoard (Time Series, Custom Scalars, Text, "
          "Images and Profile tabs):\n  tensorboard --logdir %s"
          % args.log_dir)
    return 0


def _two_ratios(result, answers):
    """The timer's ratio and explain's, side by side, each said for what
    it measures."""
    lines = ["Two answers to 'how much more does a training step cost?':",
             "| model | timer: a real fit vs predict | explain: the "
             "compiled programs alone |", "|---|---:|---:|"]
    for launch, (name, answer) in zip(result, answers):
        lines.append("| %s | %.2fx | %.2fx |" % (
            name, launch["fit_predict_ratio"], answer.ratio))
    lines += [
        "timer: per sample, from the steps of the real fit and predict "
        "calls: the compiled step plus what Keras and Python do around it "
        "(callbacks, data hand-over, logs) and input wait; compilation "
        "and warm-up left out.",
        "explain: per sample, the model's own train_function against its "
        "predict_function, each timed alone on one batch already on the "
        "device: what the compiled programs cost, nothing around them.", ""]
    return "\n".join(lines)


def parser():
    p = argparse.ArgumentParser(
        prog="keras-timing",
        description="Where does Keras training time go? Timing of fit, "
                    "evaluate and predict batches, read from TensorBoard "
                    "event files.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="summarise a log folder")
    r.add_argument("log_dir", help="folder written by FitPredictTimer")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.add_argument("--html", metavar="FILE",
                   help="also write one self-contained page (tables, "
                        "verdicts, charts) to FILE")
    r.set_defaults(func=_report)
    d = sub.add_parser("demo", help="time the article's two examples")
    d.add_argument("--log-dir", default="logs")
    d.add_argument("--epochs", type=int, default=3)
    d.add_argument("--explain-steps", type=int, default=30,
                   help="timed rounds of the explanation of each example")
    d.set_defaults(func=_demo)
    explain_cli.add_parser(sub)
    compare_cli.add_parser(sub)
    return p


def main(argv=None):
    """Runs `keras-timing ARGS`; returns the exit code.

    Args:
        argv: The arguments after the program name; `sys.argv[1:]` if None.

    >>> main(["report", "/no/such/folder"])
    2
    """
    args = parser().parse_args(argv)
    try:
        with console.cpp_logs_dropped():
            code = args.func(args)
            sys.stdout.flush()
    except BrokenPipeError:
        # `keras-timing report --json LOGDIR | head`: the reader is gone.
        return console.stdout_closed()
    return code


if __name__ == "__main__":
    sys.exit(main())
