"""The 30-minute wait standard, read two ways: nationally and station by station.

The PCEA (2014) standard is that no voter should wait more than 30 minutes. A national
pooled p95 (every voter of the country in one distribution) can be well under it while
some stations' own p95 is far over it: a planner needs both, and the stations by name.
A station meets the standard when its own p95 wait (arrival to terminal) is at most 30
minutes. With several replications each station's p95 is the mean of its replications'.
"""

from __future__ import annotations

from typing import Any

from simulation.stations import station_code

WAIT_STANDARD_MIN = 30.0  # PCEA (2014): no voter should wait more than 30 minutes
WORST_NAMED = 5  # stations named in the verdict


def wait_standard(
    worst: list[tuple[float, int, int, int]],
    *,
    stations: int,
    stations_over: int,
    worst_p95_min: float,
    group_names: list[str],
    national_p95_min: float,
) -> dict[str, Any]:
    """The verdict: does the standard hold nationally, and at how many stations (named)?

    ``worst`` is the stations with the highest own p95, worst first, as (p95, run position,
    station index, group index) (see :mod:`simulation.aggregate`)."""
    named = [
        {
            "station": station_code(station),
            "group": group_names[group],
            "p95_wait_min": round(p95, 2),
        }
        for p95, _, station, group in worst[:WORST_NAMED]
        if p95 > WAIT_STANDARD_MIN
    ]
    return {
        "standard_min": WAIT_STANDARD_MIN,
        "national_p95_wait_min": round(national_p95_min, 3),
        "holds_nationally": national_p95_min <= WAIT_STANDARD_MIN,
        "worst_station_p95_wait_min": round(worst_p95_min, 3) if stations else 0.0,
        "stations": stations,
        "stations_over": stations_over,
        "stations_meeting": stations - stations_over,
        "holds_at_every_station": stations_over == 0,
        "worst_stations": named,
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

