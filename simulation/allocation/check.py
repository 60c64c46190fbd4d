"""Out of sample: every station simulated on its own (no band), on days no curve saw.

The curves chose the allocation on their days (and a band's stations share its average
station's curve); the three allocations are judged again here on a fresh seed, each
station under each allocation on the same fresh days (common random numbers: one
(station, units) pair is simulated once however many allocations share it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from simulation.allocation.curves import Point, day_count, point_of
from simulation.execution.task_pool import TaskPool
from simulation.national.rosters import roster
from simulation.scenario.model import Scenario
from simulation.station.model import run_station
from simulation.station.plan import plan_station

__all__ = ["CheckRow", "CheckSpec", "station_points"]

STATIONS_PER_TASK = 100


@dataclass(frozen=True)
class CheckSpec:
    scenario: Scenario
    roster_key: str
    pool: str
    days: int
    seed: int


@dataclass(frozen=True)
class CheckRow:
    station: int
    units: tuple[int, ...]  # the counts to simulate
    other_units: Mapping[str, int]


def _points_task(spec: CheckSpec, number: int,
                 rows: list[CheckRow]) -> tuple[int, list[dict[int, Point]]]:
    table = roster(spec.scenario, spec.roster_key)
    out = []
    for row in rows:
        points = {}
        for units in row.units:
            counts = []
            for r in range(spec.days):
                plan = plan_station(spec.scenario, table, row.station, replication=r,
                                    seed=spec.seed, units={**row.other_units, spec.pool: units})
                counts.append(day_count(plan, run_station(plan.input), spec.scenario))
            points[units] = point_of(units, counts, spec.scenario)
        out.append(points)
    return number, out


def station_points(spec: CheckSpec, rows: Sequence[CheckRow], pool: TaskPool,
                   progress: Callable[[int], None] | None = None) -> list[dict[int, Point]]:
    """Each row's station at each of its unit counts on ``spec.days`` fresh days."""
    chunks = [list(rows[k:k + STATIONS_PER_TASK]) for k in range(0, len(rows), STATIONS_PER_TASK)]
    parts: list[list[dict[int, Point]]] = [[] for _ in chunks]
    for n, points in pool.run(_points_task, [(spec, n, c) for n, c in enumerate(chunks)]):
        parts[n] = points
        if progress:
            progress(len(points))
    return [p for part in parts for p in part]
