"""keras_timing: where does Keras training time go?

`FitPredictTimer` times every train, validation, evaluate and predict batch
into TensorBoard; `keras-timing report` reads the result back.
"""

from keras_timing.callback import FitPredictTimer
from keras_timing.schedule import ProfileSchedule

__all__ = ["FitPredictTimer", "ProfileSchedule"]
__version__ = "0.1.0"
