"""The PNGs decode to the size they claim and draw every stage."""

import dataclasses
import io

import matplotlib.image

from keras_timing.explanation import charts
from keras_timing.explanation.result import Explanation


def decode(png):
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_shares_png_grows_with_the_stages():
    small = Explanation.example()
    stages = dict(small.stages_ms, loss=0.1, optimizer=0.1, metrics=0.1)
    big = dataclasses.replace(small, stages_ms=stages)
    sizes = []
    for r in (small, big):
        png, width, height = charts.shares_png(r)
        assert decode(png).shape[:2] == (height, width)
        sizes.append(height)
    assert sizes[1] > sizes[0]


def test_sweep_png_and_throughputs():
    rs = [dataclasses.replace(Explanation.example(), batch_size=b)
          for b in (64, 16, 32)]
    png, width, height = charts.sweep_png("mlp", rs)
    assert decode(png).shape[:2] == (height, width)
    # 32 samples in 1 ms of training, 0.5 ms of predict.
    assert charts.throughputs(rs[2]) == (32000.0, 64000.0)
