"""`keras_timing.load(LOGDIR)`: every run's points as a pandas DataFrame.

One row per scalar point the timer wrote (`timing/*`, `throughput/*`,
`memory/*` and the end-of-call `timing_summary/*`), read by the report's own
reader (`events.reader`, through `runs.run_folders`). pandas is an optional
extra: `pip install "keras_timing[pandas]"`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from keras_timing.events import reader
from keras_timing.report.runs import ReportError
from keras_timing.report.runs import run_folders

if TYPE_CHECKING:
    # An optional extra: imported for `load`'s return type only, by type
    # checkers; at run time `_pandas()` imports it, with a clear error.
    import pandas

COLUMNS = ["launch", "run", "step", "tag", "value"]


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "keras_timing.load needs pandas, an optional extra: "
            "pip install \"keras_timing[pandas]\" (or pip install pandas)"
        ) from None
    return pandas


def load(log_dir: str) -> pandas.DataFrame:
    """Every run's per-step points under `log_dir` as a DataFrame.

    Args:
        log_dir: A folder the timer wrote into (its `log_dir`), or one
            launch folder (then `launch` is that folder's name).

    Returns:
        A `pandas.DataFrame` with columns `launch`, `run`, `step`, `tag`,
        `value`, sorted by launch, run, tag and step. `run` is the run
        folder (`train`, `validation`, `predict_encoder`, ...), or
        `<run>/worker_<k>` for a non-chief worker's points. Points of a
        damaged event file up to its damage are included, as `report`
        includes them.

    Raises:
        ReportError: `log_dir` is missing or not a folder.
        ImportError: pandas is not installed (the message names the extra).

    Example:

    >>> import tempfile
    >>> from keras_timing.events.writer import RunWriter
    >>> folder = tempfile.mkdtemp()
    >>> w = RunWriter(os.path.join(folder, "run1", "train"))
    >>> w.scalars(1, {"timing/batch_ms": 2.5}); w.close()
    >>> load(folder).to_dict("records")
    [{'launch': 'run1', 'run': 'train', 'step': 1, 'tag': 'timing/batch_ms', 'value': 2.5}]
    """
    pandas = _pandas()
    if not os.path.isdir(log_dir):
        raise ReportError("log_dir: %s: %s" % (
            "not a folder" if os.path.exists(log_dir) else "no such folder",
            log_dir))
    rows = []
    for launch, run, worker, path in run_folders(log_dir):
        name = run if worker is None else "%s/%s" % (run, worker)
        scalars, _ = reader.read_scalars(path)
        for tag, events in scalars.items():
            rows += [(launch, name, e.step, tag, e.value) for e in events]
    frame = pandas.DataFrame(rows, columns=COLUMNS)
    frame = frame.astype({"step": "int64", "value": "float64"})
    # A sort on several columns is pandas's lexsort, stable whatever `kind`
    # says (it is ignored there): a second fit's repeated steps stay in the
    # order they were written.
    return frame.sort_values(["launch", "run", "tag", "step"]
                             ).reset_index(drop=True)
