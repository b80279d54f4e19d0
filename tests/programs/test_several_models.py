"""Scripts with several models or several timers: two models in one script
(new timers on a second model: a launch of its own, issue 18 item 7), the
article's pattern (a new timer per call), and a VAE-like script that
predicts with its encoder and decoder (parts of the model it fit) after
fitting the whole model."""

import math
import os

import keras
import numpy as np

from keras_timing import FitPredictTimer
from keras_timing import demo
from keras_timing import schema
from tests.programs import readback


def _launch_snapshot(launch):
    return {run: readback.scalars(launch, run)
            for run in readback.run_folders(launch)}


def test_two_models_in_one_script_with_inline_timers(tmp_path, capsys):
    a, x, y = demo.dense_example(keras, samples=160)
    b = keras.Sequential([keras.Input((10,)), keras.layers.Dense(8),
                          keras.layers.Dense(1)], name="model_b")
    b.compile(optimizer="sgd", loss="mse")
    counter = readback.Counter()

    _, fit_a = readback.timed(a.fit, x, y, epochs=2, batch_size=32,
                              verbose=0, callbacks=[
                                  FitPredictTimer(log_dir=tmp_path), counter])
    timer_a = FitPredictTimer(log_dir=tmp_path)
    _, predict_a = readback.timed(a.predict, x, batch_size=32, verbose=0,
                                  callbacks=[timer_a, counter])
    launch = readback.only_launch(tmp_path)
    timer_a.flush()
    before = _launch_snapshot(launch)
    ratio_a = timer_a.fit_predict_ratio
    assert "fit vs predict" in capsys.readouterr().out

    _, fit_b = readback.timed(b.fit, x, y, epochs=2, batch_size=16,
                              verbose=0, callbacks=[
                                  FitPredictTimer(log_dir=tmp_path), counter])
    timer_b = FitPredictTimer(log_dir=tmp_path)
    _, predict_b = readback.timed(b.predict, x, batch_size=16, verbose=0,
                                  callbacks=[timer_b, counter])
    timer_b.flush()

    # New timers whose first call is on model B, not a part of A: B's own
    # launch, with its own runs and ratio.
    launch_b = timer_b.launch_dir
    assert sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(p) for p in (launch, launch_b))
    assert readback.run_folders(launch) == ["predict", "train"]
    assert readback.run_folders(launch_b) == ["predict", "train"]
    readback.assert_steps(launch, schema.TRAIN, 10)
    readback.assert_steps(launch, schema.PREDICT, 5)
    readback.assert_steps(launch_b, schema.TRAIN, 20)
    readback.assert_steps(launch_b, schema.PREDICT, 10)
    readback.assert_fit_accounted(launch, fit_a, validation=False)
    readback.assert_within_wall(
        readback.assert_calls_add_up(launch_b, schema.TRAIN), [fit_b])
    readback.assert_predict_accounted(launch, predict_a)
    readback.assert_predict_accounted(launch_b, predict_b, counter)
    readback.assert_ratio_present(launch, timer_a)
    readback.assert_ratio_present(launch_b, timer_b)
    # B's calls leave A's runs and ratio as they were.
    after = _launch_snapshot(launch)
    assert {r: after[r] for r in before} == before
    assert timer_a.fit_predict_ratio == ratio_a


def test_article_pattern_new_timer_per_call(tmp_path, capsys):
    model, x, y = demo.dense_example(keras, samples=320)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              callbacks=[FitPredictTimer(log_dir=tmp_path)])
    timer = FitPredictTimer(log_dir=tmp_path)
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    timer.flush()
    launch = readback.only_launch(tmp_path)
    assert readback.run_folders(launch) == ["predict", "train"]
    out = capsys.readouterr().out
    assert out.count("fit vs predict") == 1, out
    readback.assert_ratio_present(launch, timer)
    readback.assert_steps(launch, schema.TRAIN, 20)
    readback.assert_steps(launch, schema.PREDICT, 10)


def test_vae_like_encoder_and_decoder_calls_go_to_their_own_runs(
        tmp_path, capsys):
    encoder = keras.Sequential([keras.Input((12,)), keras.layers.Dense(4)],
                               name="encoder")
    decoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(12)],
                               name="decoder")
    inputs = keras.Input((12,))
    vae = keras.Model(inputs, decoder(encoder(inputs)), name="vae")
    vae.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(11).random((256, 12), dtype="float32")
    # The Counter keeps Keras's own set-up before the first hook apart
    # (a first fit's, 1.2 s under two busy loops), which no callback sees.
    counter = readback.Counter()
    _, fit_ms = readback.timed(vae.fit, x, x, epochs=2, batch_size=32,
                               verbose=0,
                               callbacks=[counter,
                                          FitPredictTimer(log_dir=tmp_path)])
    capsys.readouterr()

    z = encoder.predict(x, batch_size=32, verbose=0,
                        callbacks=[FitPredictTimer(log_dir=tmp_path)])
    printed = [capsys.readouterr().out]
    last = None
    for i in range(16):
        last = FitPredictTimer(log_dir=tmp_path)
        decoder.predict(z[i:i + 1], verbose=0, callbacks=[last])
        printed.append(capsys.readouterr().out)
    last.flush()

    for out in printed:
        assert len(out.splitlines()) <= 1, out
    launch = readback.only_launch(tmp_path)
    assert readback.run_folders(launch) == [
        "predict_decoder", "predict_encoder", "train"]
    readback.assert_fit_accounted(launch, fit_ms, validation=False,
                                  counter=counter)
    readback.assert_steps(launch, "predict_encoder", 8)
    readback.assert_steps(launch, "predict_decoder", 16)
    decoder_calls = readback.assert_calls_add_up(launch, "predict_decoder")
    assert [c["steps"] for c in decoder_calls] == [1] * 16
    readback.assert_calls_add_up(launch, "predict_encoder")
    # No predict of the VAE itself: no ratio, rather than a wrong one.
    assert math.isnan(last.fit_predict_ratio)
    assert not os.path.exists(os.path.join(launch, schema.PREDICT))
