"""One launch timed like a user's, shared by the report's user-facing
tests: fit with validation, then predict, a profiler capture in each."""

import pytest


@pytest.fixture(scope="session")
def user_launch(tmp_path_factory):
    """`(log_dir, timer)`: the article's dense model, 3 epochs of 10
    batches (2 for validation), then predict; train steps 12-13 and
    predict steps 2-3 captured."""
    import keras

    from keras_timing import FitPredictTimer
    from keras_timing import demo

    log_dir = tmp_path_factory.mktemp("user_logs")
    model, x, y = demo.dense_example(keras, samples=400)
    timer = FitPredictTimer(log_dir=str(log_dir), launch_name="users",
                            verbose=0, profile_steps=(12, 13),
                            profile_predict_steps=(2, 3))
    model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2,
              verbose=0, callbacks=[timer])
    model.predict(x, batch_size=32, verbose=0, callbacks=[timer])
    timer.flush()
    return log_dir, timer


@pytest.fixture(scope="session")
def batch_launches(tmp_path_factory):
    """`(log_dir, folders)`: the article's dense model fitted (3 epochs) and
    predicted at batch 16 and at 256 (128 and 8 steps an epoch), one
    launch each (`batch16`, `batch256`) in one log folder; `folders` maps
    the batch size to its launch folder."""
    import keras

    from keras_timing import FitPredictTimer
    from keras_timing import demo

    log_dir = tmp_path_factory.mktemp("logs")
    folders = {}
    for batch in (16, 256):
        model, x, y = demo.dense_example(keras, samples=2048)
        timer = FitPredictTimer(log_dir=str(log_dir),
                                launch_name="batch%d" % batch, verbose=0)
        model.fit(x, y, batch_size=batch, epochs=3, verbose=0,
                  callbacks=[timer])
        model.predict(x, batch_size=batch, verbose=0, callbacks=[timer])
        timer.flush()
        folders[batch] = timer.launch_dir
    return log_dir, folders
