"""A run that fails keeps what it measured; a JAX/torch user needs no TF."""

import os
import subprocess
import sys
import textwrap

import keras
import pytest
from conftest import read_scalars, steps_of

from keras_timing import schema

_FAILING_FIT = textwrap.dedent("""
    import sys
    import keras
    from keras_timing import FitPredictTimer, demo

    class Boom(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 6:
                raise RuntimeError("boom at local step 6")

    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run", verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0,
              callbacks=[timer, Boom()])
""")


def test_completed_batches_reach_the_files_when_fit_raises(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(_FAILING_FIT)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "boom at local step 6" in proc.stderr
    train = read_scalars(str(tmp_path / "run" / schema.TRAIN))
    # Steps 1-6 completed; step 7 began in our hook and never ran.
    assert steps_of(train[schema.BATCH_MS]) == [1, 2, 3, 4, 5, 6]


def test_a_later_fit_after_a_failed_one_continues(tmp_path, dense):
    from keras_timing import FitPredictTimer

    class Boom(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 3:
                raise RuntimeError("boom")

    model, x, y = dense
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                  callbacks=[timer, Boom()])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 15))
    assert steps_of(train[schema.FIRST_BATCH_MS]) == [1, 5]


_WITHOUT_TF = textwrap.dedent("""
    import sys

    # As if not installed: `import tensorflow` raises ModuleNotFoundError
    # and importlib.util.find_spec("tensorflow") returns None.
    sys.modules["tensorflow"] = None
    import keras
    from keras_timing import FitPredictTimer, demo
    from keras_timing import report

    model, x, y = demo.dense_example(keras, samples=320)
    timer = FitPredictTimer(log_dir=sys.argv[1], launch_name="run", verbose=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, verbose=0, callbacks=[timer])
    (launch,) = report.report(sys.argv[1])
    print(sorted(launch["runs"]), launch["runs"]["train"]["steps"])
    assert sys.modules["tensorflow"] is None
""")


@pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                    reason="only the JAX and torch backends can run without "
                           "TensorFlow")
def test_jax_and_torch_users_need_no_tensorflow(tmp_path):
    script = tmp_path / "notf.py"
    script.write_text(_WITHOUT_TF)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "['predict', 'train'] 10" in proc.stdout
    train = read_scalars(str(tmp_path / "run" / schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 11))
