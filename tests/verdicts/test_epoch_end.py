"""The data adapter's epoch ends: issue 19's `PyDataset` sleeping 3 ms per
batch with `workers=2` is input-bound with every timer argument at its
default, on every backend, because Keras stops its workers at each epoch
end (`OrderedEnqueuer.stop()` drains their queue with `get(timeout=0.1)`:
each stop waits at least 0.1 s). That wait is Keras's timeout, not a speed:
a busy machine stretches the steps (the rest of the call), not the stop, so
these assertions hold at any load at which the call stays under ten times
its stops (1.2 s of stops here).

Read back as a user would: the timer's summary scalars through tbparse,
`keras-timing report`'s JSON, and a callback of the user's own that times
each epoch's last step and end.

Run once per backend: KERAS_BACKEND=tensorflow|jax|torch.
"""

import json
import os
import time

import keras
from conftest import read_text
from verdicts.test_known_cases import SlowBatches
from verdicts.test_known_cases import fit_and_read

from keras_timing import FitPredictTimer
from keras_timing import schema
from keras_timing.analysis.advice import EPOCH_END_SHARE
from keras_timing.demo import dense_example
from keras_timing.report import report
from keras_timing.report import to_json_ready

# Keras's `OrderedEnqueuer.stop()`: `future_queue.get(block=True,
# timeout=0.1)` until the queue is empty, so at least this much per stop.
STOP_S = 0.1
EPOCHS = 6


class EpochEnds(keras.callbacks.Callback):
    """The user's own clock: from each epoch's last step's begin hook (on
    the training thread on every backend) to the epoch's end hook. The
    adapter's `on_epoch_end` runs inside that window."""

    def __init__(self):
        super().__init__()
        self.windows = []

    def on_train_batch_begin(self, batch, logs=None):
        self.last_begin = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.windows.append(time.perf_counter() - self.last_begin)


def test_two_workers_reading_3_ms_are_input_bound_by_their_stops(tmp_path):
    # The source (3 ms a batch, two workers), 10 batches an epoch.
    model, x, y = dense_example(keras, samples=320)
    data = SlowBatches(x, y, 32, delay_s=0.003, workers=2)
    user = EpochEnds()
    summary, result = fit_and_read(tmp_path, model, data, epochs=EPOCHS,
                                   callbacks=[user])
    assert summary["data_workers"] == 2, summary
    # Each epoch end stopped the workers: at least Keras's timeout each,
    # and inside the user's own windows.
    ends = summary["data_epoch_end_ms"]
    assert ends >= EPOCHS * STOP_S * 1e3, summary
    assert len(user.windows) == EPOCHS
    assert ends <= sum(user.windows) * 1e3, (ends, user.windows)
    assert ends <= summary["outside_steps_ms"], summary
    # The stops are a fixed 0.1 s each; the steps a busy machine stretches
    # (torch's dense step took 113-136 ms at load 9, the stops 8% of the
    # call). Where they reach the rule's share of the call, as they do on
    # a machine of its own, they are the verdict (the share is read back,
    # not assumed).
    cause = ends / summary["call_ms"] >= EPOCH_END_SHARE
    # The report says the same as the timer, from the files.
    launches = json.loads(json.dumps(to_json_ready(report(str(tmp_path)))))
    written = launches[0]["runs"][schema.TRAIN]
    assert written["data_epoch_end_ms"] == ends
    assert written["verdict"]["bound"] == result["bound"]
    assert written["verdict"]["why"] == result["why"]
    if not cause:
        # The stops alone under the rule's share (the read in the steps may
        # still add to it): what they are said to be is the rule's call on
        # the figures above, not this test's.
        return
    assert result["bound"] == "input", (summary, result)
    assert result["why"].startswith("measured: "), result
    # Said where it is the cause: by the epoch-end rule, or, where the
    # read in the steps was already the verdict (JAX: the workers' queue
    # ran dry), as a note with its share and advice.
    stall = result if "the data adapter's epoch ends" in result["why"] \
        else result.get("epoch_end")
    assert stall, result
    assert "2 workers: Keras stops them at each epoch end" in stall["why"]
    assert any("__len__" in a for a in stall["advice"])
    assert any("workers=1" in a for a in stall["advice"])
    # The timer's own verdict line, in its summary text, says it too.
    texts = read_text(os.path.join(_launch_dir(tmp_path), schema.TRAIN))
    assert any(stall["why"].split(":")[0] in t for t in texts), texts


def test_an_ordinary_epoch_end_is_not_the_datas(tmp_path):
    # A `PyDataset` read without workers, and no delay: Keras's own work at
    # each epoch end (a few ms on TensorFlow: its next iterator, the
    # metrics) is outside the steps, but the data adapter does nothing
    # there, so no rule or note calls it the data's.
    model, x, y = dense_example(keras, samples=320)
    data = SlowBatches(x, y, 32, delay_s=0.0, workers=1)
    user = EpochEnds()
    summary, result = fit_and_read(tmp_path, model, data, epochs=EPOCHS,
                                   callbacks=[user])
    assert summary["data_workers"] == 0, summary
    assert summary["data_epoch_end_ms"] <= sum(user.windows) * 1e3
    assert "epoch_end" not in result, result
    assert "the data adapter's epoch ends" not in result["why"], result
    # Keras's own epoch ends were there, outside the steps.
    assert summary["outside_steps_ms"] > summary["data_epoch_end_ms"]


def _launch_dir(tmp_path):
    """The one launch folder the timer made under `tmp_path`."""
    (name,) = [n for n in os.listdir(tmp_path)
               if os.path.isdir(os.path.join(tmp_path, n))]
    return os.path.join(tmp_path, name)


def test_validation_and_evaluate_stop_their_workers_once_a_call(tmp_path):
    # Fit reuses its validation adapter at every epoch: each validation
    # call stops its workers once, and so does an evaluate.
    model, x, y = dense_example(keras, samples=320)
    # Compile first, both steps, and run an evaluate's path once (a
    # notebook cell run again): the stops are Keras's fixed 0.1 s, a
    # compile or a first start stretches with the load. Under two busy
    # loops JAX compiled the test step in the first validation call (3.9 s
    # of validation's call_ms, the stops 8%) and an evaluate's first batch
    # took 0.57 s: no note, though each stop was there.
    model.fit(x[:32], y[:32], batch_size=32, verbose=0,
              validation_data=(x[:32], y[:32]))
    model.evaluate(SlowBatches(x, y, 32, delay_s=0.0, workers=2), verbose=0)
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(SlowBatches(x, y, 32, delay_s=0.0), epochs=3, verbose=0,
              validation_data=SlowBatches(x, y, 32, delay_s=0.0, workers=2),
              callbacks=[timer])
    model.evaluate(SlowBatches(x, y, 32, delay_s=0.0, workers=2), verbose=0,
                   callbacks=[timer])
    timer.flush()
    runs = json.loads(json.dumps(to_json_ready(report(str(tmp_path)))))[0][
        "runs"]
    # The training data has no workers: nothing of its own to stop.
    assert runs[schema.TRAIN]["data_workers"] == 0
    assert runs[schema.TRAIN]["data_epoch_end_ms"] < (
        runs[schema.TRAIN]["outside_steps_ms"])
    for name, calls in ((schema.VALIDATION, 3), (schema.EVALUATE, 1)):
        run = runs[name]
        assert run["data_workers"] == 2, run
        assert run["data_epoch_end_ms"] >= calls * STOP_S * 1e3, run
        assert run["data_epoch_end_ms"] <= run["outside_steps_ms"], run
        stall = run["verdict"] if "the data adapter's epoch ends" in run[
            "verdict"]["why"] else run["verdict"].get("epoch_end")
        assert stall, run["verdict"]
        assert "at each call's end" in stall["why"]
        assert stall["advice"][0].startswith("fewer calls")
