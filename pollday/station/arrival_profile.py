"""The calculator's arrivals over the opening hours: a named profile's weights, or the
planner's own shares, as one arrival interval per hour."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from pollday.station.defaults import StationInputError
from pollday.station.numbers import hhmm, minutes_of

__all__ = ["PROFILES", "hourly_intervals", "profile_weights"]

# Arrival profiles: relative weight of an hour by where it falls in the day (0 = opening,
# 1 = closing). Rough shapes, not data: give --hourly-shares for a measured profile.
PROFILES: dict[str, Callable[[float], float]] = {
    "flat": lambda x: 1.0,
    "morning": lambda x: 1.6 - 1.2 * x,  # busiest at opening, quiet at closing
    "evening": lambda x: 0.4 + 1.2 * x,
    "two-peaks": lambda x: 0.5 + 4.0 * (x - 0.5) ** 2,  # opening and after work
}


def hourly_intervals(opening: str, closing: str, weights: list[float]) -> list[dict[str, Any]]:
    """One arrival interval per opening hour (the last one may be shorter), shares from
    ``weights`` normalised to 1 (rounded to 6 digits, the rounding put on the largest)."""
    start, end = minutes_of(opening), minutes_of(closing)
    edges = [*range(start, end, 60), end]
    if len(weights) != len(edges) - 1:
        raise StationInputError(
            f"--hourly-shares: {len(weights)} values for {len(edges) - 1} opening hours "
            f"({opening}-{closing})"
        )
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise StationInputError("--hourly-shares: every value must be >= 0 and one > 0")
    shares = [round(w / sum(weights), 6) for w in weights]
    shares[shares.index(max(shares))] += round(1 - sum(shares), 6)
    return [
        {"start": hhmm(a), "end": hhmm(b), "share": s}
        for a, b, s in zip(edges, edges[1:], shares, strict=False)
    ]


def profile_weights(profile: str, opening: str, closing: str) -> list[float]:
    start, end = minutes_of(opening), minutes_of(closing)
    if end <= start:
        raise StationInputError(f"closing {closing} must be after opening {opening}")
    edges = [*range(start, end, 60), end]
    shape = PROFILES[profile]
    # Weight per minute at the hour's midpoint, times the hour's length (a short last hour).
    return [shape(((a + b) / 2 - start) / (end - start)) * (b - a)
            for a, b in itertools.pairwise(edges)]
