"""The two allocations an answer is judged against: today's, and one proportional to load.

Proportional ("utilization equalization", the rule Yang, Fry & Kelton's simulation-based
greedy beat): each station's share of the budget follows its expected voters (registered
voters times the scenario's turnout; in one scenario every voter takes the same time per
voter at a pool, so voters are the load), every station at least its floor, rounded by
largest remainders (Hamilton) so that the units add up to the budget exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["proportional"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def proportional(load: FloatArray, floors: IntArray, budget: int) -> IntArray:
    """``budget`` units in proportion to ``load``, none below its floor, summing to
    ``budget`` (ties in the remainders: the lower station index first)."""
    n = len(load)
    floors = np.asarray(floors, dtype=np.int64)
    if budget < int(floors.sum()):
        raise ValueError(f"budget {budget} is below the floors' {int(floors.sum())} units")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pinned = np.zeros(n, dtype=np.bool_)
    quota = np.zeros(n)
    while True:  # stations whose share is under their floor get the floor; the rest share
        free = ~pinned
        rest = budget - int(floors[pinned].sum())
        weight = load[free].sum()
        quota[pinned] = floors[pinned]
        quota[free] = rest * load[free] / weight if weight > 0 else rest / int(free.sum())
        under = free & (quota < floors)
        if not under.any():
            break
        pinned |= under
    units = np.maximum(np.floor(quota + 1e-9).astype(np.int64), floors)
    left = budget - int(units.sum())
    if left > 0:
        remainder = quota - units
        order = np.lexsort((np.arange(n), -remainder))
        units[order[:left]] += 1
    return units
