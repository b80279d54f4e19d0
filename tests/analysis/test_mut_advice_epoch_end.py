"""`advice.epoch_end` at its edges: a call time of zero, exactly
EPOCH_END_MS of epoch ends, one worker, a read of 1 ms, and the note a
validation run gets where another rule gave the verdict (its calls, not
its epochs, end the data). Known inputs; answers worked out by hand."""

from analysis.verdict_runs import run
from keras_timing.analysis import advice
from keras_timing.analysis import verdict as v


def _end(read_ms=0.0, run_name="train", **fields):
    return advice.epoch_end(lambda k: fields.get(k, float("nan")), read_ms,
                            run_name)


def test_no_call_time_says_nothing():
    # A share of no wall time has no meaning (and no division by zero).
    assert _end(call_ms=0.0, data_epoch_end_ms=50.0, data_workers=2) is None


def test_the_threshold_and_a_call_of_one_millisecond():
    # Exactly EPOCH_END_MS (1 ms) of a 1 ms call: all of it, said.
    got = _end(call_ms=1.0, data_epoch_end_ms=advice.EPOCH_END_MS,
               data_workers=0)
    assert got["share"] == 1.0
    assert got["why"] == ("the data adapter's epoch ends 1 ms: 100% of the "
                          "1 ms the calls took (at least 10%)")
    assert got["advice"] == advice.OWN_EPOCH_END


def test_one_worker_is_named_and_advised_for():
    got = _end(call_ms=500.0, data_epoch_end_ms=150.0, data_workers=1)
    # 150 of 500 ms: 30%.
    assert got["why"] == (
        "the data adapter's epoch ends 150 ms (a `PyDataset` with 1 "
        "workers: Keras stops them at each epoch end, waiting at least 0.1"
        " s on their emptied queue): 30% of the 500 ms the calls took (at "
        "least 10%)")
    assert got["advice"] == advice.EPOCH_END


def test_a_read_of_one_millisecond_is_said():
    # 99 + 1 ms of 1,000: 10%, at the threshold.
    got = _end(read_ms=1.0, call_ms=1000.0, data_epoch_end_ms=99.0,
               data_workers=0)
    assert got["why"] == ("the data adapter's epoch ends 99 ms + data read "
                          "in the steps 1 ms: 10% of the 1000 ms the calls "
                          "took (at least 10%)")


def test_a_validation_runs_note_is_about_its_calls():
    # The steps waited on the queue (rule 4 gives the verdict): the 401 ms
    # of validation's epoch ends are a note, advised as a run that ends
    # its data at each call.
    s = run(run="validation", call_ms=573.0, data_epoch_end_ms=401.0,
            data_workers=2, steps=80, ms_per_step=1.77, p50_ms=1.12,
            fetch_share=0.85)
    r = v.verdict(s, data_in_step=True)
    assert r["why"].startswith("measured: input wait 0% + data read in step")
    note = r["epoch_end"]
    assert "Keras stops them at each call's end" in note["why"]
    assert note["advice"] == advice.CALL_END
