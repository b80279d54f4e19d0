"""What to try for each verdict, for the run's own loop and backend.

Advice that names `keras-timing explain --try` names only changes `explain`
can make on that backend (torch's trainer refuses `steps_per_execution > 1`),
and only for runs `explain` times: training and predict. A validation or
evaluate run gets changes to its own loop (`validation_freq`,
`validation_batch_size`, `evaluate(batch_size=...)`), since `explain` times
a training step.

>>> advice("host", "train", data_in_step=False)[0]
'a larger batch gives each step more work: `keras-timing explain model.keras --try batch_size=128`'
>>> advice("host", "validation")[0]
'validate less often (`fit(..., validation_freq=5)`) or in larger batches (`fit(..., validation_batch_size=128)`)'
"""

from __future__ import annotations

from keras_timing import schema
from keras_timing.analysis.summary import percent

EXPLAIN = "`keras-timing explain model.keras --try %s`"

INPUT = [
    "prefetch batches while the step runs: `dataset.prefetch("
    "tf.data.AUTOTUNE)`, or a `PyDataset(workers=4, "
    "use_multiprocessing=True)`",
    "read in parallel (`.map(f, num_parallel_calls=tf.data.AUTOTUNE)`) "
    "and cache what every epoch reads again (`dataset.cache()`)",
    "measure: time the run again and compare its input wait and ms per "
    "sample (`keras-timing report LOGDIR`)",
]

COMPILE = [
    "fixed shapes: a sample count divisible by batch_size, or "
    "`drop_remainder=True`, so the last partial batch does not compile "
    "again; the same input shapes in every call",
    "longer runs spread the first batch's compilation over more steps",
]

VALIDATION = [
    "validate less often (`fit(..., validation_freq=5)`), on fewer "
    "samples, or with a larger `validation_batch_size`",
]

# An epoch start that holds much of the run: the pipeline is (re)built or
# refilled at every epoch.
EPOCH_START = [
    "build the input pipeline once, outside the epoch loop, and `cache()` "
    "what every epoch reads again",
    "a smaller shuffle buffer (`shuffle(buffer_size=...)` fills before the "
    "first batch of every epoch), and `prefetch(tf.data.AUTOTUNE)`",
]


# An epoch start (the gap before each epoch's first step, and that step's
# first read) holding at least this share of the run is named.
EPOCH_START_SHARE = 0.1


def epoch_start(get) -> dict | None:
    """The epoch starts' share of the run, where it is at least
    EPOCH_START_SHARE: `{"share", "why", "advice"}`, else None.

    The share is `epoch_start_ms` (before each epoch's first step) plus the
    first read of each epoch inside the steps (`epoch_fetch_share`, measured
    on JAX, of the steps' time `call_ms - outside_steps_ms`), over `call_ms`.

    Args:
        get: `summary field -> float` (NaN where missing).

    >>> fields = {"call_ms": 1000.0, "outside_steps_ms": 100.0,
    ...           "epoch_start_ms": 20.0, "epoch_fetch_share": 0.2}
    >>> epoch_start(lambda k: fields.get(k, float("nan")))["why"]
    'epoch starts hold 20% of the run: 20 ms before their first steps and 180 ms in their first reads (at least 10%)'
    """
    call = get("call_ms")
    steps_ms = call - (get("outside_steps_ms") if get("outside_steps_ms")
                       == get("outside_steps_ms") else 0.0)
    gap = get("epoch_start_ms")
    gap = gap if gap == gap else 0.0
    first = get("epoch_fetch_share")
    first = first * steps_ms if first == first else 0.0
    if not call > 0 or (gap + first) / call < EPOCH_START_SHARE:
        return None
    return {"share": (gap + first) / call,
            "why": "epoch starts hold %.0f%% of the run: %.0f ms before their"
                   " first steps and %.0f ms in their first reads (at least "
                   "%.0f%%)" % (100 * (gap + first) / call, gap, first,
                                100 * EPOCH_START_SHARE),
            "advice": list(EPOCH_START)}


# The data adapter's epoch ends (Keras stopping a `PyDataset`'s workers at
# each) and the data read in the steps, holding at least this share of the
# calls' wall time together, make a run input-bound (the verdict's rule 5).
EPOCH_END_SHARE = 0.1
# Epoch ends under this in all are the clock's own microseconds, not a wait.
EPOCH_END_MS = 1.0

# Fewer epoch ends, or none to stop: both measured in benchmarks/README.md
# ("Data read inside the step"); `compare` times only the steps.
EPOCH_END = [
    "fewer, longer epochs, so that fewer epoch ends stop the data: a "
    "`PyDataset` whose `__len__` covers several passes over the data "
    "(`__getitem__` reading batch `i % n`), with `epochs` divided as much",
    "workers only where they hide more reading per epoch than the 0.1 s "
    "each stop costs (many batches, each read slower than the step): with "
    "`workers=1` Keras reads in the training loop and has no workers to "
    "stop",
    "measure it: run both and compare their `call_ms` (`keras-timing report "
    "LOGDIR --json`); the stops sit outside the steps that `keras-timing "
    "compare` times",
]
# Validation, evaluate, predict: each call ends its one epoch.
CALL_END = [
    "fewer calls, each over more data: validate less often (`fit(..., "
    "validation_freq=5)`), evaluate or predict once over all the data",
    EPOCH_END[1], EPOCH_END[2],
]
# No workers: the dataset's own `on_epoch_end` took the time.
OWN_EPOCH_END = [
    "the dataset's own `on_epoch_end` runs at every epoch end: shuffle an "
    "index of the batches there, not the data", EPOCH_END[0], EPOCH_END[2],
]


def epoch_end(get, read_ms: float = 0.0,
              run: str = schema.TRAIN) -> dict | None:
    """The data adapter's epoch ends (`data_epoch_end_ms`, at least
    EPOCH_END_MS in all) with `read_ms`, where together they hold at least
    EPOCH_END_SHARE of the calls (`call_ms`): `{"share", "why", "advice"}`,
    else None.

    Keras calls the adapter's `on_epoch_end` after each epoch's last step;
    for a `PyDataset` with workers it stops them (`data_workers`, the cause
    named where known).

    Args:
        get: `summary field -> float` (NaN where missing).
        read_ms: The data read in the run's steps, ms in all (0: none
            counted).
        run: The run folder: a validation, evaluate or predict run ends
            its data once per call, and is advised fewer calls.

    >>> fields = {"call_ms": 600.0, "data_epoch_end_ms": 420.0,
    ...           "data_workers": 2}
    >>> epoch_end(lambda k: fields.get(k, float("nan")))["why"][:71]
    "the data adapter's epoch ends 420 ms (a `PyDataset` with 2 workers: Ker"
    """
    call, ends = get("call_ms"), get("data_epoch_end_ms")
    if not (call > 0 and ends >= EPOCH_END_MS and (
            ends + read_ms) / call >= EPOCH_END_SHARE):
        return None
    workers = get("data_workers")
    share = (ends + read_ms) / call
    # Validation, evaluate and predict end their one epoch with each call.
    fit = schema.base_run(run or "") in (None, schema.TRAIN)
    return {"share": share,
            "why": "the data adapter's epoch ends %.0f ms%s%s: %s of the "
                   "%.0f ms the calls took (at least %.0f%%)" % (
                       ends, " (a `PyDataset` with %d workers: Keras stops "
                       "them at each %s, waiting at least 0.1 s on their "
                       "emptied queue)" % (workers, "epoch end" if fit
                                           else "call's end")
                       if workers >= 1 else "",
                       " + data read in the steps %.0f ms" % read_ms
                       if read_ms > 0 else "", percent(share, spec=None),
                       call, 100 * EPOCH_END_SHARE),
            "advice": list(OWN_EPOCH_END if not workers >= 1 else EPOCH_END
                           if fit else CALL_END)}


def advice(bound: str, run: str = schema.TRAIN,
           data_in_step: bool | None = None) -> list[str]:
    """The advice for a run of `bound`, first the change most likely to help.

    Args:
        bound: One of `verdict.BOUNDS`.
        run: The run folder (`train`, `validation_encoder`, ...): a
            validation or evaluate run gets advice for its own loop.
        data_in_step: False where the backend reads the batch before the
            step (torch, whose trainer refuses `steps_per_execution`);
            True or None otherwise.

    Returns:
        A new list of strings.
    """
    base = schema.base_run(run or "") or schema.TRAIN
    if bound == "input":
        return list(INPUT)
    if bound == "compile":
        return list(COMPILE)
    if bound == "validation":
        return list(VALIDATION)
    if base in (schema.VALIDATION, schema.EVALUATE):
        return _own_loop(bound, base)
    torch = data_in_step is False
    if bound == "host":
        if torch:
            return [
                "a larger batch gives each step more work: "
                + EXPLAIN % "batch_size=128",
                "compile the step: " + EXPLAIN % "jit_compile=true"
                + " (torch.compile)",
            ]
        return [
            "run several steps per call and give each step more work: "
            + EXPLAIN % "steps_per_execution=8 --try batch_size=128",
            "compile the step where it is not: "
            + EXPLAIN % "jit_compile=true",
        ]
    return [
        "compile the step with XLA: " + EXPLAIN % "jit_compile=true",
        "on a GPU, mixed precision: `keras.mixed_precision."
        "set_global_policy(\"mixed_float16\")`",
        "a larger batch keeps the device busier: "
        + EXPLAIN % "batch_size=128",
    ]


def _own_loop(bound, run):
    """Host or compute advice for a validation or evaluate `run`."""
    if run == schema.VALIDATION:
        fewer = ("validate less often (`fit(..., validation_freq=5)`) or in "
                 "larger batches (`fit(..., validation_batch_size=128)`)")
    else:
        fewer = "a larger batch: `model.evaluate(..., batch_size=128)`"
    if bound == "host":
        return [fewer, "several steps per call: `model.compile(..., "
                "steps_per_execution=8)` (TensorFlow, JAX)"]
    return [fewer, "compile with XLA: `model.compile(..., "
            "jit_compile=True)`"]
