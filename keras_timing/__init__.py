"""keras_timing: where does Keras training time go?

`FitPredictTimer` times every train, validation, evaluate and predict batch
into TensorBoard; `keras-timing report` reads the result back, and
`load(LOGDIR)` gives every point as a pandas DataFrame.

The names below load on first use, so the pure modules (and the `report`
command) do not import Keras.
"""

import importlib

__all__ = ["FitPredictTimer", "ProfileSchedule", "explain", "Explanation",
           "load"]
__version__ = "0.1.0"

_LAZY = {
    "FitPredictTimer": "keras_timing.timer.callback",
    "ProfileSchedule": "keras_timing.profiling.schedule",
    "explain": "keras_timing.explanation.api",
    "Explanation": "keras_timing.explanation.api",
    "load": "keras_timing.report.frame",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError("module 'keras_timing' has no attribute %r" % name)
