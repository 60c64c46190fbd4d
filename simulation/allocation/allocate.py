"""``allocate``: spread a fixed budget of a pool's units over the stations.

For each budgeted pool, in the flow's order (a pool allocated earlier keeps its new units
while the next is allocated; pools without a budget keep today's): today's and the
proportional allocations, every band's curve on the same days, the exact optimum on the
curves (:mod:`simulation.allocation.optimise`), the move plan, and, on fresh days, every
station under the three allocations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from simulation.allocation.bands import CurveSpec, build_curves, curve_jobs
from simulation.allocation.baselines import proportional
from simulation.allocation.check import CheckRow, CheckSpec, station_points
from simulation.allocation.curves import MAX_UNITS, Curve, Point
from simulation.allocation.moves import Move, move_plan
from simulation.allocation.optimise import Answer, Choices, optimise
from simulation.errors import InputError
from simulation.execution.task_pool import TaskPool
from simulation.national.rosters import roster, roster_key
from simulation.scenario.model import Scenario
from simulation.sizing.confirm import FRESH_SEED_OFFSET
from simulation.station.units import station_units
from simulation.stations import StationTable

__all__ = [
    "ALLOCATIONS",
    "AllocationInputError",
    "AllocationRequest",
    "Phases",
    "PoolResult",
    "allocate",
]

IntArray = NDArray[np.int64]
ALLOCATIONS = ("today", "proportional", "recommended")
# Bands whose units the answer changes are simulated again on REFINE_FACTOR times the days,
# and the program runs again, until every band the answer changes has those days (at most
# REFINE_ROUNDS rounds): the optimum picks the bands whose few days were luckiest (a
# terminal failure is a rare day), and once one is refined the next luckiest takes its place.
# Bands still unrefined when the rounds are spent keep today's units.
REFINE_ROUNDS = 4
REFINE_FACTOR = 4
# A phase's progress: (label, total stations) -> a context giving "n more done".
Phases = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


class AllocationInputError(InputError, ValueError):
    """A budget, floor or pool that cannot be used; the message names it."""


@dataclass(frozen=True)
class AllocationRequest:
    budgets: tuple[tuple[str, int], ...]  # (pool, units), at least one
    floors: Mapping[str, int] = field(default_factory=dict)  # pool -> floor (default 1)
    replications: int = 20  # days per curve point
    band_voters: int = 50  # stations of a group within this many voters share a curve; 0: none
    seed: int | None = None  # None: the scenario's
    fresh_days: int = 1  # days per station of the out-of-sample check; 0: none
    refine_rounds: int = REFINE_ROUNDS  # bands the answer changes, again on more days


@dataclass
class PoolResult:
    pool: str
    budget: int
    floor: int
    allocations: dict[str, IntArray]  # ALLOCATIONS -> units per station
    curves: list[Curve]
    curve_of: IntArray  # station -> index in curves
    answer: Answer
    moves: list[Move]
    fresh: dict[str, list[Point]] | None  # ALLOCATIONS -> fresh point of each fresh station
    fresh_stations: list[int]  # the stations judged on fresh days (the allocations differ)
    fresh_seed: int
    station_days: int

    def point(self, allocation: str, station: int) -> Point:
        """``station``'s point under ``allocation`` on the curves' days."""
        units = int(self.allocations[allocation][station])
        return self.curves[int(self.curve_of[station])].at(units)


@contextmanager
def _silent(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


def _check(scenario: Scenario, request: AllocationRequest) -> list[tuple[str, int, int]]:
    """(pool, budget, floor) in flow order; AllocationInputError naming what is wrong."""
    pools = scenario.pool_names
    seen: dict[str, int] = {}
    for name, budget in request.budgets:
        if name not in pools:
            raise AllocationInputError(f"--budget {name}={budget}: {name!r} is not a pool of "
                                       f"this scenario's flow (pools: {', '.join(pools)})")
        if name in seen:
            raise AllocationInputError(f"--budget {name}: given twice")
        seen[name] = budget
    for name, floor in request.floors.items():
        if name not in pools or floor < 1:
            raise AllocationInputError(f"--floor {name}={floor}: a floor is at least 1 unit "
                                       f"of a pool of the flow ({', '.join(pools)})")
    if not seen:
        raise AllocationInputError("give a budget: --budget POOL=N")
    if (request.replications < 1 or request.band_voters < 0 or request.fresh_days < 0
            or request.refine_rounds < 0):
        raise AllocationInputError("replications must be at least 1, band and fresh days "
                                   "not negative")
    return [(p, seen[p], int(request.floors.get(p, 1))) for p in pools if p in seen]


def _choices(curves: list[Curve], curve_of: IntArray, today: IntArray,
             frozen: frozenset[int] = frozenset()) -> list[Choices]:
    """Each station's options; voters over scaled to the most days any curve has (curves
    refined on more days count per day like the others, in whole numbers). Stations of a
    ``frozen`` curve keep today's units."""
    most = max(c.days for c in curves)
    out = []
    for s, c in enumerate(curve_of.tolist()):
        points = curves[c].points
        if c in frozen:
            points = (curves[c].at(int(today[s])),)
        out.append(Choices(points[0].units,
                           np.array([p.over * (most // curves[c].days) for p in points],
                                    dtype=np.int64),
                           np.array([p.p95_min for p in points]), int(today[s])))
    return out


def _allocate_pool(scenario: Scenario, table: StationTable, key: str, pool_name: str,
                   budget: int, floor: int, other: list[dict[str, int]],
                   request: AllocationRequest, pool: TaskPool, phases: Phases) -> PoolResult:
    n = len(table)
    seed = scenario.election.seed if request.seed is None else request.seed
    floors = np.full(n, floor, dtype=np.int64)
    if budget < floor * n:
        raise AllocationInputError(f"--budget {pool_name}={budget:,} is below the floors: "
                                   f"{n:,} stations x {floor} = {floor * n:,} units")
    today = np.array([station_units(scenario, table, s)[pool_name] for s in range(n)],
                     dtype=np.int64)
    load = table.registered.astype(np.float64) * scenario.arrivals.turnout
    prop = proportional(load, floors, budget)
    need = np.minimum(np.maximum(today, prop), max(MAX_UNITS, int(today.max(initial=0))))
    jobs = curve_jobs(table, request.band_voters, floors, need, budget - floor * n, other)
    spec = CurveSpec(scenario, key, pool_name, request.replications, seed)
    with phases(f"{pool_name}: curves ({len(jobs):,} bands)", n) as advance:
        curves = build_curves(spec, jobs, pool, advance)
    curve_of = np.zeros(n, dtype=np.int64)
    for k, curve in enumerate(curves):
        curve_of[list(curve.stations)] = k
    answer = optimise(_choices(curves, curve_of, today), budget)
    simulated = sum(len(c.points) * c.days for c in curves)
    days = request.replications * REFINE_FACTOR
    for round_ in range(request.refine_rounds + 1 if request.refine_rounds else 0):
        moved = sorted({int(curve_of[s]) for s in np.flatnonzero(answer.units != today)
                        if curves[int(curve_of[s])].days < days})
        if not moved:
            break
        if round_ == request.refine_rounds:  # rounds spent: no change on fewer days
            frozen = frozenset(k for k, c in enumerate(curves) if c.days < days)
            choices = _choices(curves, curve_of, today, frozen)
            if sum(c.floor for c in choices) <= budget:  # else the budget forces changes
                answer = optimise(choices, budget)
            break
        label = f"{pool_name}: {len(moved):,} bands the answer changes, on {days} days"
        with phases(label, sum(len(curves[k].stations) for k in moved)) as advance:
            redone = build_curves(replace(spec, days=days), [jobs[k] for k in moved], pool,
                                  advance)
        for k, curve in zip(moved, redone, strict=True):
            curves[k] = curve
        simulated += sum(len(c.points) * c.days for c in redone)
        answer = optimise(_choices(curves, curve_of, today), budget)
    allocations = {"today": today, "proportional": prop, "recommended": answer.units}
    fresh, fresh_seed, fresh_stations = None, seed + FRESH_SEED_OFFSET, []
    if request.fresh_days:
        # Stations where the three allocations agree add the same to each: only the others
        # are simulated, so the fresh figures compare the allocations where they differ.
        differ = [s for s in range(n) if len({int(a[s]) for a in allocations.values()}) > 1]
        rows = [CheckRow(s, tuple(sorted({int(a[s]) for a in allocations.values()})), other[s])
                for s in differ]
        check = CheckSpec(scenario, key, pool_name, request.fresh_days, fresh_seed)
        with phases(f"{pool_name}: fresh days, stations where the allocations differ",
                    len(rows)) as advance:
            points = station_points(check, rows, pool, advance)
        fresh = {name: [points[k][int(a[s])] for k, s in enumerate(differ)]
                 for name, a in allocations.items()}
        fresh_stations = differ
        simulated += sum(len(r.units) for r in rows) * request.fresh_days
    return PoolResult(
        pool=pool_name, budget=budget, floor=floor, allocations=allocations, curves=curves,
        curve_of=curve_of, answer=answer,
        moves=move_plan(today, answer.units, table.group, table.constituency),
        fresh=fresh, fresh_stations=fresh_stations, fresh_seed=fresh_seed,
        station_days=simulated,
    )


def allocate(scenario: Scenario, request: AllocationRequest, *, pool: TaskPool,
             phases: Phases | None = None) -> list[PoolResult]:
    """Every budgeted pool's allocation, in flow order (see the module's docstring)."""
    budgets = _check(scenario, request)
    key = roster_key(scenario)
    table = roster(scenario, key)
    other: list[dict[str, int]] = [{} for _ in range(len(table))]
    results = []
    for name, budget, floor in budgets:
        result = _allocate_pool(scenario, table, key, name, budget, floor, other, request,
                                pool, phases or _silent)
        results.append(result)
        for s, units in enumerate(result.answer.units.tolist()):
            other[s] = {**other[s], name: int(units)}
    return results
