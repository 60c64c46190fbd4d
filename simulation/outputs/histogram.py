"""A mergeable wait histogram: HdrHistogram's bucket layout, filled with NumPy.

A national day has hundreds of millions of waits; holding them all to take a percentile
is what stopped the tool at country scale. Waits are counted instead, in integer units of
0.001 min (the precision the summary reports), in HdrHistogram's log-linear buckets with
three significant digits: below 2,048 units (about 2 min) every unit has its own bucket;
above, a bucket is at most 1/1,024 of its value wide. A percentile is computed as
``numpy.percentile`` computes it (linear between two order statistics), each order statistic
read as the middle of its bucket: within 0.05 % (plus 0.001 min) of the exact figure.

Counts are integers, so merging histograms is exact and does not depend on the order or
the chunking: the same waits give the same histogram however the stations were split.
(HdrHistogram's own Python package records one value per call; at 10^8 values a NumPy
``bincount`` over the same layout is what makes this affordable.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["RELATIVE_ERROR", "UNIT_MIN", "WaitHistogram"]

UNIT_MIN = 0.001  # one count unit: a thousandth of a minute
_SUB_BITS = 11  # 2,048 sub-buckets: three significant decimal digits
_SUB = 1 << _SUB_BITS
_HALF = _SUB >> 1
_MAX_EXPONENT = 40  # values up to 2^51 units: far beyond any wait
BUCKETS = _SUB + _MAX_EXPONENT * _HALF
RELATIVE_ERROR = 1 / _SUB  # the middle of a bucket is within half its width: 1/2,048

IntArray = NDArray[np.int64]


def to_units(waits_min: NDArray[np.floating]) -> IntArray:
    """Waits in whole 0.001-minute units (rounded, never negative)."""
    units: IntArray = np.rint(np.maximum(np.asarray(waits_min, np.float64), 0.0) / UNIT_MIN
                              ).astype(np.int64)
    return units


def bucket_of(units: IntArray) -> IntArray:
    """Each value's bucket: itself below 2,048; above, 1,024 buckets per power of two."""
    units = np.asarray(units, dtype=np.int64)
    exponent = np.zeros(units.shape, dtype=np.int64)
    big = units >= _SUB
    # floor(log2(v)) - 10: the shift that brings v into [1,024, 2,048)
    exponent[big] = np.floor(np.log2(units[big].astype(np.float64))).astype(np.int64) - (
        _SUB_BITS - 1)
    shifted = units >> exponent
    # log2 of a float can be off by one at exact powers of two: put such values right.
    low = big & (shifted < _HALF)
    exponent[low] -= 1
    high = big & (shifted >= _SUB)
    exponent[high] += 1
    shifted = units >> exponent
    bucket: IntArray = np.where(big, _SUB + (exponent - 1) * _HALF + (shifted - _HALF), units)
    return bucket


def bucket_middle_units(bucket: int) -> float:
    """The value a bucket reports: the unit itself, or the middle of a wider bucket."""
    if bucket < _SUB:
        return float(bucket)
    exponent = (bucket - _SUB) // _HALF + 1
    low = ((bucket - _SUB) % _HALF + _HALF) << exponent
    width = 1 << exponent
    return low + (width - 1) / 2


@dataclass
class WaitHistogram:
    """Counts of waits per bucket, with the exact count, sum and maximum beside them."""

    counts: IntArray = field(default_factory=lambda: np.zeros(BUCKETS, dtype=np.int64))
    total: int = 0
    sum_units: int = 0  # exact: a mean that does not depend on the order of addition
    max_units: int = 0

    def record(self, waits_min: NDArray[np.floating]) -> None:
        units = to_units(waits_min)
        if len(units) == 0:
            return
        self.counts += np.bincount(bucket_of(units), minlength=BUCKETS)
        self.total += len(units)
        self.sum_units += int(units.sum())
        self.max_units = max(self.max_units, int(units.max()))

    def merge(self, other: WaitHistogram) -> None:
        self.counts += other.counts
        self.total += other.total
        self.sum_units += other.sum_units
        self.max_units = max(self.max_units, other.max_units)

    def mean_min(self) -> float:
        return self.sum_units * UNIT_MIN / self.total if self.total else 0.0

    def max_min(self) -> float:
        return self.max_units * UNIT_MIN

    def percentile_min(self, q: float) -> float:
        """The wait at percentile ``q`` (0-100), defined as ``numpy.percentile`` defines it
        (linear between the two order statistics around rank (n - 1) q), each order
        statistic read as the middle of its bucket."""
        if self.total == 0:
            return 0.0
        rank = (self.total - 1) * q / 100
        low = int(np.floor(rank))
        cum = np.cumsum(self.counts)
        below, above = (bucket_middle_units(int(np.searchsorted(cum, k, side="right")))
                        for k in (low, min(low + 1, self.total - 1)))
        return (below + (rank - low) * (above - below)) * UNIT_MIN


def weighted_percentile_min(counts: NDArray[np.float64], q: float) -> float:
    """Percentile ``q`` of bucket ``counts`` that may carry weights (a weighted station
    group's voters count ``weight`` times each)."""
    total = float(counts.sum())
    if total <= 0:
        return 0.0
    rank = max(q / 100 * total, np.nextafter(0.0, 1.0))
    bucket = int(np.searchsorted(np.cumsum(counts), rank, side="left"))
    return bucket_middle_units(min(bucket, len(counts) - 1)) * UNIT_MIN
