"""`steps_per_execution=4`: Keras calls the hooks once per 4 steps; the
timer's points, summaries and sums count steps, not calls."""

import keras
import pytest

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from tests.programs import readback


@pytest.mark.skipif(keras.backend.backend() == "torch",
                    reason="Keras refuses steps_per_execution > 1 on torch")
def test_steps_per_execution_counts_steps(tmp_path):
    model, x, y = demo.dense_example(keras, samples=1024)
    model.compile(optimizer="adam", loss="mse", steps_per_execution=4)
    counter = readback.Counter()
    timer = FitPredictTimer(log_dir=tmp_path, verbose=0)
    _, fit_ms = readback.timed(model.fit, x, y, epochs=2, batch_size=32,
                               verbose=0, callbacks=[timer, counter])
    model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[timer])
    _, predict_ms = readback.timed(model.predict, x, batch_size=32,
                                   verbose=0, callbacks=[timer, counter])
    timer.flush()
    launch = timer.launch_dir

    # 1024 / 32 = 32 steps an epoch, in 8 hook calls of 4 steps.
    assert counter.calls["train"] == [16]
    expected = {schema.TRAIN: 64, schema.EVALUATE: 32, schema.PREDICT: 32}
    for run, steps in expected.items():
        readback.assert_steps(launch, run, steps)
        assert readback.summary_value(launch, run, "steps") == steps, run
    readback.assert_fit_accounted(launch, fit_ms, validation=False,
                                  counter=counter)
    readback.assert_calls_add_up(launch, schema.EVALUATE)
    readback.assert_predict_accounted(launch, predict_ms, counter)
    readback.assert_samples_per_sec(launch, schema.TRAIN, 2 * 1024)
    readback.assert_samples_per_sec(launch, schema.PREDICT, 1024)
    readback.assert_ratio_present(launch, timer)
