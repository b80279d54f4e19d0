"""Run folder names, tags, file names and the capture sidecar: the public
contract, defined once.

The writer, the callback and the report all import these, so a rename can
never leave a reader looking for a tag nobody writes.
"""

TRAIN = "train"
VALIDATION = "validation"
EVALUATE = "evaluate"
PREDICT = "predict"
RUNS = (TRAIN, VALIDATION, EVALUATE, PREDICT)

BATCH_MS = "timing/batch_ms"
INPUT_WAIT_MS = "timing/input_wait_ms"
# The step's wait for its batch inside the step (JAX, TensorFlow's Python
# data): part of batch_ms.
FETCH_MS = "timing/fetch_ms"
# Its part in the first read of each epoch's iterator (a shuffle buffer
# filling, workers starting): inside fetch_ms.
EPOCH_FETCH_MS = "timing/epoch_fetch_ms"
SAMPLES_PER_SEC = "timing/samples_per_sec"
STEPS = "timing/steps"
FIRST_BATCH_MS = "timing/first_batch_ms"
RECOMPILE_MS = "timing/recompile_ms"
# A step whose end a later compile hid: timed, left out of the figures.
OVERLAP_MS = "timing/overlap_ms"
# A step whose time holds a profiler start or stop, or that was traced.
PROFILED_MS = "timing/profiled_ms"
EPOCH_START_MS = "timing/epoch_start_ms"
CALL_MS = "timing/call_ms"
OUTSIDE_STEPS_MS = "timing/outside_steps_ms"
FLOPS_PER_SAMPLE = "throughput/flops_per_sample"
TFLOPS_PER_SEC = "throughput/tflops_per_sec"
MFU = "throughput/mfu"
PEAK_MEMORY_MB = "memory/peak_mb"
MS_PER_SAMPLE = "timing/ms_per_sample"
MS_PER_SAMPLE_P10 = "timing/ms_per_sample_p10"
MS_PER_SAMPLE_P90 = "timing/ms_per_sample_p90"
SUMMARY_TEXT = "timing/summary"
# The end-of-call summary as scalars, computed from every step even where
# the per-step points were decimated; the report prefers them. The fields
# are declared in `analysis/figures.py` (SUMMARY_FIELDS).
SUMMARY_SCALARS = "timing_summary/"

# The Keras step function each run calls (`model.<name>_step`,
# `<name>_function`): Keras calls evaluation steps "test". Also the
# profiler's step-marker name: TensorBoard's own Keras callback names them
# so, and the Profile tab groups by it.
STEP_FUNCTIONS = {TRAIN: "train", VALIDATION: "test", EVALUATE: "test",
                  PREDICT: "predict"}
# train, test, predict
STEP_FUNCTION_NAMES = tuple(dict.fromkeys(STEP_FUNCTIONS.values()))
MARKER_NAMES = STEP_FUNCTIONS

# Event files the timer writes end with this, after tensorboard's own name.
EVENT_FILE_SUFFIX = ".keras_timing"

# A non-chief worker writes its points into `<launch>/<run>/worker_<k>/`.
WORKER_PREFIX = "worker_"

# Beside each profiler capture's trace: which run, window and steps it holds.
SIDECAR = "keras_timing_capture.json"
TRACE_SUFFIXES = (".xplane.pb", ".pt.trace.json")


def run_folder(run, model=None):
    """The folder of `run` for calls on a model other than the launch's own
    (e.g. `predict_encoder`); `run` itself for the launch's model.

    >>> run_folder("predict", "encoder"), run_folder("train")
    ('predict_encoder', 'train')
    """
    return run if not model else "%s_%s" % (run, model)


def base_run(folder):
    """The run a folder holds, or None: `predict_encoder` -> `predict`.

    >>> base_run("predict_encoder"), base_run("train"), base_run("plugins")
    ('predict', 'train', None)
    """
    for run in RUNS:
        if folder == run or folder.startswith(run + "_"):
            return run
    return None
