"""An allocation judged on a set of days: voters over, worst p95, equity, the standard."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulation.allocation.curves import Point
from simulation.allocation.model import AllocationFigures

__all__ = ["figures", "mean_absolute_difference"]


def mean_absolute_difference(values: Sequence[float]) -> float:
    """Mean of |x_i - x_j| over all pairs i != j (Gini's mean difference), O(n log n)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    if n < 2:
        return 0.0
    # sum_{i<j} (x_j - x_i) = sum_k x_k (2k - n + 1) for sorted x (k from 0)
    pairs_sum = float(np.sum(x * (2 * np.arange(n) - n + 1)))
    return 2 * pairs_sum / (n * (n - 1))


def figures(units: Sequence[int], points: Sequence[Point], days: Sequence[int],
            names: Sequence[str]) -> AllocationFigures:
    """The allocation ``units`` (one per station) from each station's point (on that
    station's ``days``); ``names``: the stations' public ids. Per-day figures: each station's
    mean over its days, summed."""
    worst = max(range(len(points)), key=lambda s: (points[s].p95_min, -s), default=None)
    return AllocationFigures(
        units=int(sum(units)),
        voters_over_per_day=round(sum(p.over / d for p, d in zip(points, days, strict=True)), 2),
        waited_over_per_day=round(sum(p.waited_over / d for p, d in zip(points, days,
                                                                        strict=True)), 2),
        lost_per_day=round(sum(p.lost / d for p, d in zip(points, days, strict=True)), 2),
        worst_p95_min=round(points[worst].p95_min, 2) if worst is not None else 0.0,
        worst_station=names[worst] if worst is not None else None,
        equity_mad_wait_min=round(mean_absolute_difference([p.mean_wait_min for p in points]),
                                  4),
        stations_with_voters_over=sum(1 for p in points if p.over > 0),
        stations_meeting_standard=sum(1 for p in points if p.meets),
    )
