"""The allocation itself: an exact knapsack over (station, units) on the stations' curves.

Objective, lexicographic, over allocations with each station between its floor and the top
of its curve and at most the budget in all:

1. F: the voters the line fails (waited over the limit, or lost), summed over stations and
   the curves' days;
2. P: then the worst station's p95 time in line (mean over its days);
3. M: then the fewest units moved from today's allocation, sum |units - today|.

F and M are sums over stations, so a dynamic program over (station, units used) is exact
for (F, M) whatever the curves' shape (a greedy marginal allocation is exact only on convex
curves, which simulated curves need not be). P is a maximum: the smallest threshold t for
which the program restricted to points with p95 <= t still reaches the least F is found by
bisection over the curves' p95 values; that t is the least P, exactly. Cost: stations x
spare units x points per curve, per program run (a few seconds for a country).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Answer", "Choices", "objective", "optimise"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
INF = np.int64(2**61)


@dataclass(frozen=True)
class Choices:
    """One station's options: units floor, floor + 1, ... with their voters over (summed
    over the days) and p95 time in line; ``today``: its units now."""

    floor: int
    over: IntArray
    p95_min: FloatArray
    today: int

    @property
    def top(self) -> int:
        return self.floor + len(self.over) - 1


@dataclass(frozen=True)
class Answer:
    units: IntArray
    over: int  # F
    worst_p95_min: float  # P
    moved: int  # M: sum |units - today|


def objective(choices: Sequence[Choices], units: Sequence[int]) -> tuple[int, float, int]:
    """(F, P, M) of an allocation (each station's units within its options)."""
    over = sum(int(c.over[u - c.floor]) for c, u in zip(choices, units, strict=True))
    worst = max((float(c.p95_min[u - c.floor]) for c, u in zip(choices, units, strict=True)),
                default=0.0)
    moved = sum(abs(u - c.today) for c, u in zip(choices, units, strict=True))
    return over, worst, moved


def _run(choices: Sequence[Choices], spare: int, big: int, limit: float,
         keep: bool) -> tuple[IntArray, NDArray[np.int8] | None]:
    """Least F * big + M for each number of spare units used (INF: impossible), with only
    points whose p95 <= ``limit``; with ``keep`` the choice made at each (station, used)."""
    cost = np.full(spare + 1, INF, dtype=np.int64)
    cost[0] = 0
    picks = np.zeros((len(choices), spare + 1), dtype=np.int8) if keep else None
    for s, c in enumerate(choices):
        new = np.full(spare + 1, INF, dtype=np.int64)
        for k in range(min(len(c.over), spare + 1)):
            if c.p95_min[k] > limit:
                continue
            key = int(c.over[k]) * big + abs(c.floor + k - c.today)
            candidate = cost[: spare + 1 - k] + key
            tail = new[k:]
            better = candidate < tail
            tail[better] = candidate[better]
            if picks is not None:
                picks[s, k:][better] = k
        cost = np.minimum(new, INF)
    return cost, picks


def _best(cost: IntArray) -> int:
    """Units used at the least cost; on a tie the most (the budget placed)."""
    return int(len(cost) - 1 - np.argmin(cost[::-1]))


def optimise(choices: Sequence[Choices], budget: int) -> Answer:
    """The exact lexicographic optimum (F, then P, then M) with at most ``budget`` units."""
    floors = sum(c.floor for c in choices)
    if budget < floors:
        raise ValueError(f"budget {budget} is below the floors' {floors} units")
    if max((len(c.over) for c in choices), default=0) > 127:
        raise ValueError("a curve has more than 127 points")
    # No station can use more than its curve's top: units beyond are not needed anywhere.
    spare = min(budget - floors, sum(len(c.over) - 1 for c in choices))
    big = 2 * (budget + sum(c.today for c in choices)) + 1
    if sum(int(c.over.max()) for c in choices) * big >= int(INF):
        raise ValueError("voters over the limit too many to optimise exactly")
    cost, _ = _run(choices, spare, big, np.inf, keep=False)
    least_over = int(cost.min()) // big
    # The least p95 ceiling that still reaches least_over: a station must take some point,
    # so no ceiling below the largest of the stations' best p95 can work.
    values = np.unique(np.concatenate([c.p95_min for c in choices])) if choices else np.zeros(1)
    low = int(np.searchsorted(values, max((float(c.p95_min.min()) for c in choices),
                                          default=0.0)))
    high = len(values) - 1
    while low < high:
        mid = (low + high) // 2
        trial, _ = _run(choices, spare, big, float(values[mid]), keep=False)
        if int(trial.min()) < int(INF) and int(trial.min()) // big == least_over:
            high = mid
        else:
            low = mid + 1
    cost, picks = _run(choices, spare, big, float(values[low]), keep=True)
    assert picks is not None
    used = _best(cost)
    units = np.zeros(len(choices), dtype=np.int64)
    for s in range(len(choices) - 1, -1, -1):
        k = int(picks[s, used])
        units[s] = choices[s].floor + k
        used -= k
    over, worst, moved = objective(choices, [int(u) for u in units])
    return Answer(units=units, over=over, worst_p95_min=worst, moved=moved)
