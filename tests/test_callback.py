"""FitPredictTimer on real fits, read back from the event files by tbparse."""

import math
import os
import time

import keras
import numpy as np
import pytest
from conftest import read_scalars, read_text, steps_of, values_of

from keras_timing import FitPredictTimer
from keras_timing import schema
from keras_timing.analysis.steps import StepKind


def _timer(tmp_path, **kw):
    return FitPredictTimer(log_dir=str(tmp_path), verbose=0, **kw)


def _left_out(scalars):
    """Steps written under a step kind's tag (first batches, recompiles,
    steps a compile hid, profiled steps): the summary leaves them out."""
    return {s for kind in StepKind for s, _ in scalars.get(kind.tag, [])}


def _counted(scalars):
    """`batch_ms` of the counted steps, as the summary's quantiles see them."""
    left_out = _left_out(scalars)
    return np.array([v for s, v in scalars[schema.BATCH_MS]
                     if s not in left_out])


def test_fit_evaluate_predict_write_one_point_per_step(tmp_path, dense):
    model, x, y = dense
    timer = _timer(tmp_path)
    start = time.perf_counter()
    model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2,
              verbose=0, callbacks=[timer])
    fit_wall_ms = (time.perf_counter() - start) * 1e3
    model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])

    runs = sorted(os.listdir(timer.launch_dir))
    assert runs == sorted(schema.RUNS)
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    # 256 training samples = 8 steps an epoch, counted across epochs.
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 17))
    assert steps_of(train[schema.INPUT_WAIT_MS]) == list(range(1, 17))
    batch = values_of(train[schema.BATCH_MS])
    wait = values_of(train[schema.INPUT_WAIT_MS])
    # On JAX and torch, end hooks run late in Keras's thread pool; steps
    # whose ends were seen together share their time, so a single step can
    # read 0, never less, and the typical step is positive.
    assert (batch >= 0).all() and (wait >= 0).all()
    assert np.median(batch) > 0
    assert batch.sum() + wait.sum() <= fit_wall_ms
    # The compile step is kept, and reported apart.
    assert steps_of(train[schema.FIRST_BATCH_MS]) == [1]
    assert train[schema.FIRST_BATCH_MS][0][1] == train[schema.BATCH_MS][0][1]

    expected = {schema.VALIDATION: 4, schema.EVALUATE: 10, schema.PREDICT: 10}
    for run, n in expected.items():
        scalars = read_scalars(os.path.join(timer.launch_dir, run))
        assert steps_of(scalars[schema.BATCH_MS]) == list(range(1, n + 1)), run
        assert (values_of(scalars[schema.BATCH_MS]) >= 0).all(), run
        assert np.median(values_of(scalars[schema.BATCH_MS])) > 0, run
        rate = values_of(scalars[schema.SAMPLES_PER_SEC])
        assert len(rate) == n and (rate > 0).all(), run


def test_second_fit_continues_the_step_axis(tmp_path, dense):
    model, x, y = dense
    timer = _timer(tmp_path)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    assert steps_of(train[schema.BATCH_MS]) == list(range(1, 31))
    assert steps_of(train[schema.FIRST_BATCH_MS]) == [1, 11]


def test_steps_per_execution_writes_per_step_figures(tmp_path):
    from keras_timing import demo

    if keras.backend.backend() == "torch":
        pytest.skip("Keras's torch backend refuses steps_per_execution > 1")
    model, x, y = demo.dense_example(keras, samples=320)
    model.compile(optimizer="adam", loss="mse", steps_per_execution=4)
    timer = _timer(tmp_path)
    start = time.perf_counter()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    wall_ms = (time.perf_counter() - start) * 1e3
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    # 10 steps an epoch run as calls of 4, 4 and 2 steps.
    assert steps_of(train[schema.BATCH_MS]) == [4, 8, 10, 14, 18, 20]
    assert train[schema.STEPS] == [(4, 4), (8, 4), (10, 2), (14, 4),
                                  (18, 4), (20, 2)]
    per_step = values_of(train[schema.BATCH_MS])
    steps = values_of(train[schema.STEPS])
    assert (per_step * steps).sum() <= wall_ms
    rate = dict(train[schema.SAMPLES_PER_SEC])
    wait = dict(train[schema.INPUT_WAIT_MS])
    for step, ms, n in zip([4, 10], per_step[[0, 2]], steps[[0, 2]]):
        expected = 32 * n * 1e3 / ((ms + wait[step]) * n)
        assert rate[step] == pytest.approx(expected, rel=1e-4)


def _counted_ms_per_sample(run_dir, batch_size, samples):
    """Totals read back by the summary's rule: the counted steps' whole
    intervals (batch plus input wait) over their samples; the last batch of
    an epoch may be partial. Which steps a busy machine turns into
    recompiles or hides behind a compile varies, so the rule is applied to
    the steps as written: the first epoch is warm-up once the later epochs
    hold as many counted steps; where no step is counted, the steps a
    compile hid stand in; NaN where there are none either."""
    scalars = read_scalars(run_dir)
    steps = steps_of(scalars[schema.BATCH_MS])
    assert steps == list(range(1, len(steps) + 1))
    per_epoch = -(-samples // batch_size)
    counted = [s for s in steps if s not in _left_out(scalars)]
    first = [s for s in counted if s <= per_epoch]
    later = [s for s in counted if s > per_epoch]
    warm = len(later) >= max(len(first), 1)
    assert scalars["timing_summary/warmup_steps"][-1][1] == (
        per_epoch if warm else 0)
    chosen = (later if warm else counted) or steps_of(
        scalars.get(schema.OVERLAP_MS, []))
    batch = dict(scalars[schema.BATCH_MS])
    wait = dict(scalars[schema.INPUT_WAIT_MS])
    total_ms = n = 0
    for step in chosen:
        total_ms += batch[step] + wait[step]
        last = step % per_epoch == 0
        n += samples - batch_size * (per_epoch - 1) if last else batch_size
    return total_ms / n if n else math.nan


def test_fit_predict_ratio_is_totals_per_sample_without_compilation(
        tmp_path, dense):
    model, x, y = dense
    x, y = x[:300], y[:300]   # a partial last batch: 300 = 9 * 32 + 12
    timer = _timer(tmp_path)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[timer])
    # A different batch size: per sample, the ratio must not care.
    model.predict(x, batch_size=64, verbose=0, callbacks=[timer])
    train = _counted_ms_per_sample(
        os.path.join(timer.launch_dir, schema.TRAIN), 32, 300)
    predict = _counted_ms_per_sample(
        os.path.join(timer.launch_dir, schema.PREDICT), 64, 300)
    text = read_text(os.path.join(timer.launch_dir, schema.PREDICT))[-1]
    expected = train / predict if predict > 0 else math.nan
    if math.isnan(expected):
        # No step of a run could be timed: no ratio, and no line claims one.
        assert math.isnan(timer.fit_predict_ratio)
        assert "a training step costs" not in text
        return
    assert timer.fit_predict_ratio == pytest.approx(expected, rel=1e-4)
    assert "a training step costs %.2fx" % timer.fit_predict_ratio in text


def test_summary_text_and_console(tmp_path, dense, capsys):
    model, x, y = dense
    timer = FitPredictTimer(log_dir=str(tmp_path))
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[timer])
    out = capsys.readouterr().out
    assert "train: 20 steps" in out and "first batch" in out
    texts = read_text(os.path.join(timer.launch_dir, schema.TRAIN))
    assert len(texts) == 1 and "| train | 20 |" in texts[0]
    summary = timer.summaries()[schema.TRAIN]
    train = read_scalars(os.path.join(timer.launch_dir, schema.TRAIN))
    counted = _counted(train)
    assert summary["p50_ms"] == pytest.approx(
        np.quantile(counted, 0.5, method="lower") if len(counted)
        else math.nan, rel=0.006, nan_ok=True)
    assert summary["first_batch_ms"] == pytest.approx(
        train[schema.FIRST_BATCH_MS][0][1])


def test_custom_scalars_layout_and_per_sample_band(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.plugins.custom_scalar import layout_pb2
    from tensorboard.plugins.custom_scalar import metadata

    from keras_timing import demo

    model, x, y = demo.dense_example(keras, samples=32 * 25)
    timer = _timer(tmp_path)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    acc = event_accumulator.EventAccumulator(
        os.path.join(timer.launch_dir, schema.TRAIN))
    acc.Reload()
    (event,) = acc.Tensors(metadata.CONFIG_SUMMARY_TAG)
    layout = layout_pb2.Layout.FromString(event.tensor_proto.string_val[0])
    (series,) = layout.category[0].chart[0].margin.series
    assert (series.value, series.lower, series.upper) == (
        schema.MS_PER_SAMPLE, schema.MS_PER_SAMPLE_P10, schema.MS_PER_SAMPLE_P90)
    for run in (schema.TRAIN, schema.PREDICT):
        scalars = read_scalars(os.path.join(timer.launch_dir, run))
        # Every tenth counted step (first batches, recompiles and steps a
        # compile hid left out): steps 11 and 21 of 25 when none was left
        # out. A call with fewer than ten counted steps (a busy machine can
        # make them) still gets one band, on its last point.
        counted = [s for s in steps_of(scalars[schema.BATCH_MS])
                   if s not in _left_out(scalars)]
        expected = counted[9::10] or (
            steps_of(scalars[schema.BATCH_MS])[-1:] if counted else [])
        assert steps_of(scalars[schema.MS_PER_SAMPLE]) == expected, run
        band = [scalars.get(tag, []) for tag in (
            schema.MS_PER_SAMPLE_P10, schema.MS_PER_SAMPLE,
            schema.MS_PER_SAMPLE_P90)]
        assert len({len(b) for b in band}) == 1, run
        for (_, lo), (_, mid), (_, hi) in zip(*band):
            # A step can read 0 ms on JAX (late end hooks), so lo may be 0.
            assert 0 <= lo <= mid <= hi and hi > 0


def test_batch_size_read_from_the_data_or_given(tmp_path):
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("a tf.data pipeline with unknown batch dimension is a "
                    "TensorFlow-backend case")
    from keras_timing import demo

    model, x, y = demo.dense_example(keras, samples=320)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    assert ds.element_spec[0].shape[0] is None
    read = _timer(tmp_path, launch_name="read")
    model.fit(ds.prefetch(2), epochs=1, verbose=0, callbacks=[read])
    scalars = read_scalars(os.path.join(read.launch_dir, schema.TRAIN))
    assert len(scalars[schema.SAMPLES_PER_SEC]) == 10

    def batches():
        for i in range(0, 320, 32):
            yield x[i:i + 32], y[i:i + 32]

    spec = (tf.TensorSpec((None, 10), tf.float32),
            tf.TensorSpec((None, 1), tf.float32))
    unknown = tf.data.Dataset.from_generator(batches, output_signature=spec)
    quiet = _timer(tmp_path, launch_name="quiet")
    with pytest.warns(UserWarning, match="batch size of train batches"):
        model.fit(unknown, epochs=1, verbose=0, callbacks=[quiet])
    scalars = read_scalars(os.path.join(quiet.launch_dir, schema.TRAIN))
    assert schema.SAMPLES_PER_SEC not in scalars
    told = _timer(tmp_path, launch_name="told", batch_size=32)
    model.fit(unknown, epochs=1, verbose=0, callbacks=[told])
    scalars = read_scalars(os.path.join(told.launch_dir, schema.TRAIN))
    assert len(scalars[schema.SAMPLES_PER_SEC]) == 10


def test_each_launch_gets_its_own_folder(tmp_path, dense):
    model, x, y = dense
    a, b = _timer(tmp_path, launch_name="same"), _timer(tmp_path, launch_name="same")
    model.predict(x, verbose=0, callbacks=[a])
    model.predict(x, verbose=0, callbacks=[b])
    assert a.launch_dir != b.launch_dir
    for t in (a, b):
        pred = read_scalars(os.path.join(t.launch_dir, schema.PREDICT))
        assert steps_of(pred[schema.BATCH_MS]) == list(range(1, 11))


def test_run_name_is_a_deprecated_alias_of_launch_name(tmp_path, dense):
    model, x, _ = dense
    with pytest.warns(FutureWarning, match="launch_name"):
        timer = _timer(tmp_path, run_name="old")
    assert (timer.launch_name, timer.run_name) == ("old", "old")
    model.predict(x, verbose=0, callbacks=[timer])
    pred = read_scalars(os.path.join(str(tmp_path), "old", schema.PREDICT))
    assert steps_of(pred[schema.BATCH_MS]) == list(range(1, 11))
    with pytest.warns(FutureWarning), pytest.raises(ValueError,
                                                    match="launch_name"):
        _timer(tmp_path, launch_name="a", run_name="b")


@pytest.mark.parametrize("kwargs, match", [
    ({"log_dir": 3}, "log_dir"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"flush_secs": -1}, "flush_secs"),
    ({"verbose": 7}, "verbose"),
    ({"launch_name": ""}, "launch_name"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        FitPredictTimer(**kwargs)


def test_log_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ValueError, match="log_dir"):
        FitPredictTimer(log_dir=str(path))
