"""Stations that open late: the draw, the station's figures and their national sums.

Which stations open late, and by how much, comes from the station's own stream
(``Stream.OPENING``), so the same seed gives the same late stations whatever the worker,
and a scenario without late opening draws nothing new (its days stay what they were). The
engine (:mod:`simulation.station.model`) keeps every unit shut until ``StationInput.opens_s``;
voters who come meanwhile wait at the door, their wait counted from their arrival.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.opening import LateOpening
from simulation.station.input import StationInput, StationOutcome, Status

if TYPE_CHECKING:
    from simulation.scenario.model import Scenario, StationGroup

IntArray = NDArray[np.int64]

# Per replication, summed over stations: late stations, delay in 0.01 min (the precision of
# stations.csv: exact integer sums whatever the chunking), people who came before the
# opening, voters lost before it; then the longest delay (a maximum, in 0.01 min).
LATE_KEYS = ("stations", "delay_cmin", "arrived_before_opening", "left_before_opening")
_MAX = len(LATE_KEYS)


def late_opening_of(scenario: Scenario, group: StationGroup) -> LateOpening | None:
    """The group's own late opening, else the scenario's default, else None."""
    return group.late_opening or scenario.late_opening


def has_late_opening(scenario: Scenario) -> bool:
    """Whether any station group may open late (a share above 0)."""
    return any((late := late_opening_of(scenario, g)) is not None and late.share > 0
               for g in scenario.station_groups)


def draw_opening_delay_s(
    late: LateOpening | None, close_s: float, *, rng: np.random.Generator
) -> float:
    """Seconds after the scheduled opening at which the station opens (0: on time).

    Capped at closing: a station that would open later never opens on the day (its line is
    whatever the closing rule serves)."""
    if late is None or late.share == 0:
        return 0.0
    if rng.random() >= late.share:
        return 0.0
    delay_s = float(late.delay_min.sample(1, rng=rng)[0]) * 60
    return min(max(delay_s, 0.0), close_s)


def opening_row(inp: StationInput, out: StationOutcome) -> dict[str, Any]:
    """The station's late-opening columns of stations.csv (zeros when it opened on time)."""
    opens_s = inp.opens_s
    lost = np.isin(out.status, (Status.RENEGED, Status.NOT_SERVED))
    # Lost at the door: gave up (or were sent home at a closing it never reached) before
    # the station opened. People who came during the delay but left later, in the backlog it
    # built, are in reneged / not_served_at_close only: what they would have done on an
    # on-time day is not knowable from one day.
    left = lost & (out.left_line_s <= opens_s) if opens_s > 0 else np.zeros(0, np.bool_)
    return {
        "opened_late_min": round(opens_s / 60, 2),
        "arrived_before_opening": int(np.sum(inp.arrival_s < opens_s)),
        "left_before_opening": int(left.sum()),
    }


def late_counts(rows: Sequence[dict[str, Any]]) -> IntArray:
    """One replication's stations.csv rows reduced: ``LATE_KEYS`` sums, then the max delay."""
    out = np.zeros(_MAX + 1, dtype=np.int64)
    for row in rows:
        delay_cmin = round(float(row["opened_late_min"]) * 100)
        if delay_cmin > 0:
            out[0] += 1
            out[1] += delay_cmin
            out[_MAX] = max(out[_MAX], delay_cmin)
        out[2] += int(row["arrived_before_opening"])
        out[3] += int(row["left_before_opening"])
    return out


def add_late_counts(total: IntArray, part: IntArray) -> IntArray:
    """Two (replications, LATE_KEYS + max) arrays added: sums summed, maxima maxed."""
    both = total + part
    both[:, _MAX] = np.maximum(total[:, _MAX], part[:, _MAX])
    return both


def late_summary(counts: IntArray, stations: int) -> dict[str, Any]:
    """summary.json's ``late_opening``: counts are means over the replications."""
    reps = max(len(counts), 1)
    late = counts[:, 0].sum() / reps
    delay_cmin = counts[:, 1].sum()

    def mean(k: int) -> float | int:
        v = counts[:, k].sum() / reps
        return int(v) if reps == 1 else round(float(v), 1)

    return {
        "stations": mean(0),
        "share": round(float(late) / stations, 5) if stations else 0.0,
        "delay_mean_min": round(float(delay_cmin) / 100 / counts[:, 0].sum(), 2)
        if counts[:, 0].sum() else 0.0,
        "delay_max_min": round(float(counts[:, _MAX].max(initial=0)) / 100, 2),
        "arrived_before_opening": mean(2),
        "left_before_opening": mean(3),
    }


def late_days(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One station's late openings over its simulated days (the calculator's answer):
    share of days it opened late, their mean delay, and people at the door a day."""
    delays = np.array([float(r["opened_late_min"]) for r in rows])
    late = delays > 0
    days = max(len(rows), 1)
    return {
        "days_late_share": round(float(late.mean()) if len(rows) else 0.0, 4),
        "delay_mean_min": round(float(delays[late].mean()), 2) if late.any() else 0.0,
        "arrived_before_opening_per_day": round(
            sum(int(r["arrived_before_opening"]) for r in rows) / days, 2),
        "left_before_opening_per_day": round(
            sum(int(r["left_before_opening"]) for r in rows) / days, 2),
    }
