"""How well do explain's figures hold up? Timing figures, printed, no verdict
in tests.

1. Sum check: for the article's two models, and a small MLP, a subclassed
   model, a custom train_step and a multi-input model, how far the stages'
   sum is from the model's own `train_function`, over several repeats
   (the tests used to assert it within 15%, re-measuring until it passed).
2. An expensive metric (30 matmuls of 192x192 per update) against the same
   model without it: the metrics stage should grow by about that work.
3. Predict against train per sample, and the spread between repeats.

    KERAS_BACKEND=jax python benchmarks/explain.py --repeats 5
    KERAS_BACKEND=jax python benchmarks/explain.py --variants

4. With --variants: the `--try` variants of the article's dense model
   (steps_per_execution=8, batch_size=128, jit_compile=true), their
   speedups and intervals.
"""

import argparse
import statistics


def models(keras):
    """`{name: (model, x, y)}`: the cases the figures are printed for."""
    import numpy as np

    from keras_timing import demo

    rng = np.random.default_rng(0)
    x = rng.random((256, 32), dtype=np.float32)
    y = rng.random((256, 1), dtype=np.float32)

    def mlp(metrics=()):
        model = keras.Sequential([
            keras.Input((32,)),
            keras.layers.Dense(128, activation="relu",
                               kernel_regularizer="l2"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=list(metrics))
        return model

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(64, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    class CustomStep(Subclassed):
        def train_step(self, *args, **kwargs):
            return super().train_step(*args, **kwargs)

    out = {"mlp": (mlp(), x, y),
           "mlp+expensive metric": (mlp([ExpensiveMetric(keras)]), x, y)}
    for name, cls in (("subclassed", Subclassed), ("custom step", CustomStep)):
        model = cls()
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        out[name] = (model, x, y)
    for name, make in demo.EXAMPLES.items():
        out[name] = make(keras, samples=1024)
    return out


def ExpensiveMetric(keras):
    ops = keras.ops

    class Expensive(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="expensive")
            self.total = self.add_variable(shape=(), initializer="zeros",
                                           name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            m = ops.ones((192, 192)) * ops.mean(y_pred)
            for _ in range(30):
                m = ops.tanh(ops.matmul(m, m) * 1e-3)
            self.total.assign_add(ops.mean(m))

        def result(self):
            return self.total.value

    return Expensive()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--variants", action="store_true",
                        help="only the --try variants of the dense model")
    args = parser.parse_args()

    import keras

    from keras_timing import explain

    if args.variants:
        return variants(keras, explain, args.steps)

    print("keras %s, backend %s, %d repeats of %d steps"
          % (keras.__version__, keras.backend.backend(), args.repeats,
             args.steps))
    print("%-22s %9s %9s %8s %6s %7s %s" % (
        "model", "sum ms", "step ms", "off", "ok", "ratio", "metrics ms"))
    metrics_ms = {}
    for name, (model, x, y) in models(keras).items():
        offs, oks = [], 0
        for _ in range(args.repeats):
            r = explain(model, x, y, batch_size=32, steps=args.steps)
            off = (r.train_step_ms - r.full_step_ms) / r.full_step_ms
            offs.append(off)
            oks += r.sum_check_ok
            metric = next(v for k, v in r.stages_ms.items()
                          if "metrics" in k.split("+"))
            metrics_ms.setdefault(name, []).append(metric)
            print("%-22s %9.3f %9.3f %+7.1f%% %6s %7.2f %.3f" % (
                name, r.train_step_ms, r.full_step_ms, 100 * off,
                r.sum_check_ok, r.ratio, metric))
        print("%-22s median off %+.1f%%, sum check passed %d/%d"
              % ("", 100 * statistics.median(offs), oks, args.repeats))
    cheap = statistics.median(metrics_ms["mlp"])
    costly = statistics.median(metrics_ms["mlp+expensive metric"])
    print("metrics stage: %.3f ms with the expensive metric, %.3f ms "
          "without (%.1fx)" % (costly, cheap, costly / max(cheap, 1e-6)))


def variants(keras, explain, steps):
    from keras_timing import demo

    model, x, y = demo.dense_example(keras, samples=2048)
    r = explain(model, x, y, batch_size=32, steps=steps,
                variants=["steps_per_execution=8", "batch_size=128",
                          "jit_compile=true"])
    print("keras %s, backend %s, dense model, batch 32, %d rounds"
          % (keras.__version__, keras.backend.backend(), steps))
    base = r.variants_baseline
    print("unchanged clone: train %.4f, predict %.4f ms/sample"
          % (base["train_ms_per_sample"], base["predict_ms_per_sample"]))
    for v in r.variants:
        if v["error"]:
            print("%-22s failed: %s" % (v["change"], v["error"]))
            continue
        print("%-22s train %.4f ms/sample, speedup %.2fx [%.2f, %.2f], "
              "predict %.4f ms/sample" % (
                  v["change"], v["train_ms_per_sample"], v["speedup"],
                  v["speedup_low"], v["speedup_high"],
                  v["predict_ms_per_sample"]))


if __name__ == "__main__":
    main()
