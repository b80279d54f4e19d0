"""`ratio.Reservoir.add_many` past its first 64 rows (the array grows while
the reservoir is not full): the points kept in bulk are those kept one
`add` at a time, none lost in the growth. Known points: 0.5 ms apart."""

import numpy as np

from keras_timing.analysis.ratio import Reservoir


def test_the_bulk_add_keeps_every_point_across_growth():
    ms = np.arange(300, dtype=np.float64) * 0.5
    one, bulk = Reservoir(), Reservoir()
    for v in ms:
        one.add(float(v), 32, 2)
    # Drains of 50, 50 and 200 points: the rows grow past 64 and 128.
    for a, b in ((0, 50), (50, 100), (100, 300)):
        bulk.add_many(ms[a:b], np.full(b - a, 32), np.full(b - a, 2))
    assert bulk.seen == one.seen == 300
    assert bulk.rows().tolist() == one.rows().tolist()
    assert bulk.rows()[:, 0].tolist() == ms.tolist()
