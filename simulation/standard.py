"""The 30-minute wait standard, read two ways: nationally and station by station.

The PCEA (2014) standard is that no voter should wait more than 30 minutes. A national
pooled p95 (every voter of the country in one distribution) can be well under it while
some stations' own p95 is far over it: a planner needs both, and the stations by name.
A station meets the standard when its own p95 wait (arrival to terminal) is at most 30
minutes. With several replications each station's p95 is the mean of its replications'.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.runner import NationalResult
from simulation.stations import station_code

WAIT_STANDARD_MIN = 30.0  # PCEA (2014): no voter should wait more than 30 minutes
WORST_NAMED = 5  # stations named in the verdict


def _station_p95(result: NationalResult) -> np.ndarray[Any, np.dtype[np.float64]]:
    per_rep = [[float(r.row["wait_p95_min"]) for r in rep] for rep in result.results]
    mean: np.ndarray[Any, np.dtype[np.float64]] = np.asarray(per_rep, dtype=np.float64).mean(
        axis=0
    )
    return mean


def wait_standard(result: NationalResult, national_p95_min: float) -> dict[str, Any]:
    """The verdict: does the standard hold nationally, and at how many stations (named)?"""
    p95 = _station_p95(result)
    groups = result.scenario.group_names
    over = int(np.sum(p95 > WAIT_STANDARD_MIN))
    order = np.argsort(-p95, kind="stable")[:WORST_NAMED]
    worst = [
        {
            "station": station_code(int(result.station_indices[k])),
            "group": groups[int(result.stations.group[result.station_indices[k]])],
            "p95_wait_min": round(float(p95[k]), 2),
        }
        for k in order.tolist()
        if p95[k] > WAIT_STANDARD_MIN
    ]
    stations = len(p95)
    return {
        "standard_min": WAIT_STANDARD_MIN,
        "national_p95_wait_min": round(national_p95_min, 3),
        "holds_nationally": national_p95_min <= WAIT_STANDARD_MIN,
        "worst_station_p95_wait_min": round(float(p95.max()), 3) if stations else 0.0,
        "stations": stations,
        "stations_over": over,
        "stations_meeting": stations - over,
        "holds_at_every_station": over == 0,
        "worst_stations": worst,
    }


def verdict_line(standard: dict[str, Any]) -> str:
    """One sentence a planner reads first."""
    limit = f"{standard['standard_min']:g}-minute"
    national = (
        f"holds nationally (p95 of all voters {standard['national_p95_wait_min']:.1f} min)"
        if standard["holds_nationally"]
        else f"FAILS nationally (p95 of all voters {standard['national_p95_wait_min']:.1f} min)"
    )
    n, over = standard["stations"], standard["stations_over"]
    if over == 0:
        return f"The {limit} standard {national} and at all {n:,} stations."
    named = ", ".join(
        f"{w['station']} ({w['group']}, {w['p95_wait_min']:.0f} min)"
        for w in standard["worst_stations"]
    )
    return (
        f"The {limit} standard {national}, but fails at {over:,} of {n:,} stations "
        f"(p95 wait over {standard['standard_min']:g} min); worst: {named}."
    )

