"""An epoch start that holds much of the run is named, with its share and
advice: a `tf.data` pipeline that looks each sample up and shuffles with a
buffer as large as the data refills that buffer before the first batch of
every epoch (the user's pipeline doing its real work).

JAX measures it from the first read of each epoch. On TensorFlow the buffer
fills inside the graph, unmeasured; torch reads the batch before the step's
begin hook (the gap counts, `epoch_start_ms`, but is not tested here).
"""

import json
import os

import keras
import numpy as np
import pytest
from conftest import read_text

from keras_timing import FitPredictTimer
from keras_timing import schema
from keras_timing.analysis import advice
from keras_timing.demo import dense_example
from keras_timing.report import report
from keras_timing.report import to_json_ready

BACKEND = keras.backend.backend()


@pytest.mark.skipif(BACKEND != "jax", reason="measured on JAX, from the "
                    "first read of each epoch (TensorFlow fills the buffer "
                    "in its graph; torch reads it before the step)")
def test_a_shuffle_buffer_refilled_every_epoch_is_named(tmp_path):
    import tensorflow as tf

    model, x, y = dense_example(keras, samples=4096)
    keys = tf.constant(["k%d" % i for i in range(len(x))])
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        keys, tf.range(len(x), dtype=tf.int64)), default_value=-1)
    features, targets = tf.constant(x), tf.constant(y)

    def lookup(key):
        i = table.lookup(key)
        return tf.gather(features, i), tf.gather(targets, i)

    data = (tf.data.Dataset.from_tensor_slices(keys).map(lookup)
            .shuffle(buffer_size=len(x)).batch(128))
    model.fit(data.take(1), verbose=0)  # compile first
    timer = FitPredictTimer(log_dir=str(tmp_path), verbose=0)
    model.fit(data, epochs=4, verbose=0, callbacks=[timer])
    timer.flush()
    launches = json.loads(json.dumps(to_json_ready(report(str(tmp_path)))))
    written = launches[0]["runs"][schema.TRAIN]
    stall = written["verdict"].get("epoch_start")
    assert stall, written
    assert stall["share"] >= advice.EPOCH_START_SHARE
    assert stall["why"].startswith("epoch starts hold ")
    assert any("cache()" in a for a in stall["advice"])
    assert any("shuffle buffer" in a for a in stall["advice"])
    # Measured from the first read of each epoch, inside the steps.
    assert written["epoch_fetch_share"] > 0
    texts = read_text(os.path.join(timer.launch_dir, schema.TRAIN))
    assert any(stall["why"].split(":")[0] in t for t in texts)
