"""`keras-timing compare A B --fail-if-slower PCT`: a speed guard for CI.

A run of B fails the guard when it is slower per sample than A's by more
than PCT percent with 95% confidence: the whole bootstrap interval of
B / A (`compare.compare_runs`) lies above 1 + PCT / 100. A run whose
interval reaches that line or below passes: the steps do not show a
slowdown that large, whatever the point estimate says. Exit code 1 when
any run fails, 0 when none does (`compare` itself gives 2 on bad input).

    >>> code, lines = check([{"run": "train", "ratio": 1.5, "ratio_low": 1.4,
    ...     "ratio_high": 1.6, "unit": "sample"}], 10)
    >>> code
    1
    >>> print(lines[0])
    train: FAIL: B / A 1.5 per sample, 95% interval 1.4 - 1.6, above 1.1: B is slower than A by more than 10%
"""

import math
from typing import Any
from typing import List
from typing import Mapping
from typing import Sequence
from typing import Tuple


def threshold(text: str) -> float:
    """PCT of `--fail-if-slower`, as a number: finite and at least 0.

    Args:
        text: The argument as given.

    Raises:
        ValueError: not a number, negative, NaN or infinite.

    >>> threshold("5"), threshold("2.5")
    (5.0, 2.5)
    >>> threshold("-1")
    Traceback (most recent call last):
    ...
    ValueError: --fail-if-slower takes a percentage of 0 or more (e.g. 5 for 5%), got '-1'
    """
    try:
        pct = float(text)
    except (TypeError, ValueError):
        pct = math.nan
    if not math.isfinite(pct) or pct < 0:
        raise ValueError("--fail-if-slower takes a percentage of 0 or more "
                         "(e.g. 5 for 5%%), got %r" % (text,))
    return pct


def check(rows: Sequence[Mapping[str, Any]],
          pct: float) -> Tuple[int, List[str]]:
    """The guard's exit code and one line per run saying why.

    Args:
        rows: What `compare.compare` returned first (each with "run",
            "ratio", "ratio_low", "ratio_high", "unit").
        pct: The slowdown allowed, in percent (`threshold`).

    Returns:
        `(code, lines)`: 1 if any run's interval lies wholly above
        1 + pct / 100, else 0.
    """
    limit = 1 + pct / 100
    code, lines = 0, []
    for r in rows:
        said = "B / A %.3g per %s, 95%% interval %.3g - %.3g" % (
            r["ratio"], r["unit"], r["ratio_low"], r["ratio_high"])
        if r["ratio_low"] > limit:
            code = 1
            lines.append("%s: FAIL: %s, above %.3g: B is slower than A by "
                         "more than %g%%" % (r["run"], said, limit, pct))
        else:
            lines.append("%s: ok: %s, not wholly above %.3g: no slowdown of "
                         "more than %g%% shown" % (r["run"], said, limit,
                                                   pct))
    return code, lines
