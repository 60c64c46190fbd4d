"""A station's curve: what each count of a pool's units does to its voters, on fixed days.

For a count ``u`` of the pool being allocated, the curve holds, summed over the same ``D``
simulated days whatever ``u`` is (common random numbers: only the units change between
points), the voters the line failed: those whose time in line (every stage, the standard's
definition) exceeded the wait limit, and those lost to the line (left it, sent home at
closing), each voter counted once. Beside it: the mean over days of the day's p95 time in
line, the mean time in line, and whether the station meets the whole standard on those days.

A curve is computed for a *band* of stations (one group, one size band, the same units of
every other pool): day ``r`` is simulated on the band's ``r``-th member in size order
(spread over the band when it has more members than days), so the curve is the band's
average station, and every member shares it. A band of one station is that station's own
curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulation.scenario.model import Scenario
from simulation.standard import LOST, day_measures, failed_parts, station_failed_parts
from simulation.station.input import StationOutcome
from simulation.station.model import run_station
from simulation.station.plan import StationPlan, plan_station
from simulation.station.waits import stage_waits
from simulation.stations import StationTable

__all__ = ["MAX_UNITS", "Curve", "CurveJob", "DayCount", "Point", "band_curve", "day_count",
           "point_of"]

MAX_UNITS = 60  # the most units of a pool one station is given (as sizing)


@dataclass(frozen=True)
class DayCount:
    """One station-day under one count of units."""

    waited_over: int  # through the line, time in line over the limit
    lost: int  # left the line or sent home at closing (not also waited_over)
    through: int  # voters whose time in line is counted
    wait_total_min: float  # their time in line, summed
    p95_min: float  # the day's p95 time in line (the standard's)
    failed: tuple[str, ...]  # the standard's parts this day fails

    @property
    def over(self) -> int:
        return self.waited_over + self.lost


def day_count(plan: StationPlan, out: StationOutcome, scenario: Scenario) -> DayCount:
    """The voters the line failed on this day (each once), and the standard's verdict."""
    rule = scenario.standard
    _, per_stage = stage_waits(plan, out)
    # The standard's time in line (simulation.station.waits.visit_waits_s), per voter.
    through = ~np.isnan(out.exit_s) | ~np.isnan(out.checkin_end_s)
    waits_s = np.nansum(per_stage, axis=1) if len(per_stage) else np.zeros(0)
    over = through & (waits_s > rule.wait_p95_max_min * 60)
    lost = np.isin(out.status, LOST) & ~over
    day = day_measures(plan, out, rule)
    return DayCount(
        waited_over=int(over.sum()), lost=int(lost.sum()), through=int(through.sum()),
        wait_total_min=float(waits_s[through].sum() / 60),
        p95_min=day.visit_wait_p95_min, failed=tuple(failed_parts(rule, day)),
    )


@dataclass(frozen=True)
class Point:
    """One count of units on a curve, over the curve's days."""

    units: int
    over: int  # voters the line failed, summed over the days
    waited_over: int
    lost: int
    p95_min: float  # mean over the days of the day's p95 time in line
    mean_wait_min: float  # mean time in line per voter counted, over the days
    meets: bool  # the station meets the whole standard on these days


def point_of(units: int, days: Sequence[DayCount], scenario: Scenario) -> Point:
    through = sum(d.through for d in days)
    return Point(
        units=units, over=sum(d.over for d in days),
        waited_over=sum(d.waited_over for d in days), lost=sum(d.lost for d in days),
        p95_min=float(np.mean([d.p95_min for d in days])),
        mean_wait_min=sum(d.wait_total_min for d in days) / through if through else 0.0,
        meets=not station_failed_parts(scenario.standard, [list(d.failed) for d in days]),
    )


@dataclass(frozen=True)
class Curve:
    """A pool's units from the floor up, on ``days`` simulated days, shared by ``stations``."""

    stations: tuple[int, ...]
    simulated_on: tuple[int, ...]  # the station simulated on each day
    points: tuple[Point, ...]  # units floor, floor + 1, ... (consecutive)

    @property
    def days(self) -> int:
        return len(self.simulated_on)

    @property
    def floor(self) -> int:
        return self.points[0].units

    @property
    def top(self) -> int:
        return self.points[-1].units

    def at(self, units: int) -> Point:
        return self.points[units - self.floor]

    @property
    def fewest_meeting(self) -> int | None:
        """The fewest units at which the station meets the standard (None: not up to top)."""
        return next((p.units for p in self.points if p.meets), None)


@dataclass(frozen=True)
class CurveJob:
    """What one band's curve needs: its stations, the units to evaluate at least up to
    (today's, the proportional baseline's), how far to go looking for zero voters over the
    limit (``spare_top``: the floor plus the budget's spare units) and the standard (always
    up to :data:`MAX_UNITS`), and the units of the other pools."""

    stations: tuple[int, ...]
    floor: int
    need_to: int
    spare_top: int
    other_units: Mapping[str, int]


def _days_on(stations: Sequence[int], table: StationTable, days: int) -> list[int]:
    """The member simulated on each day: size order, spread over the band."""
    ordered = sorted(stations, key=lambda s: (int(table.registered[s]), s))
    m = len(ordered)
    return [ordered[(r * m) // days] if m >= days else ordered[r % m] for r in range(days)]


def _plateau(points: Sequence[Point]) -> bool:
    """The last two units bought nothing (same voters over, same p95: another pool, not
    this one, limits the station): more of this pool will not help either."""
    if len(points) < 3:
        return False
    a, _, c = points[-3:]
    return c.over >= a.over and c.p95_min >= a.p95_min - 1e-9 and c.meets == a.meets


def band_curve(scenario: Scenario, table: StationTable, job: CurveJob, pool: str, *,
               days: int, seed: int) -> Curve:
    """The band's curve from ``job.floor`` up: to ``job.need_to`` at least, then on while
    voters are over the limit (up to ``job.spare_top``) or the standard fails (up to
    :data:`MAX_UNITS`), unless two more units bought nothing (:func:`_plateau`)."""
    simulated_on = _days_on(job.stations, table, days)
    points: list[Point] = []
    units = job.floor
    while True:
        counts = []
        for r, station in enumerate(simulated_on):
            plan = plan_station(scenario, table, station, replication=r, seed=seed,
                                units={**job.other_units, pool: units})
            counts.append(day_count(plan, run_station(plan.input), scenario))
        point = point_of(units, counts, scenario)
        points.append(point)
        more = units < job.need_to or (point.over > 0 and units < job.spare_top) or (
            not point.meets and units < MAX_UNITS)
        if not more or (units >= job.need_to and _plateau(points)):
            break
        units += 1
    return Curve(tuple(job.stations), tuple(simulated_on), tuple(points))
