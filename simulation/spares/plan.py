"""How many spares each reserve needs: the simulated answer beside the Poisson one, and
what one spare fewer costs in lost votes (``pollday spares``; docs/spares.md).

For every reserve and every pool whose failures may end in a replacement: the day's
replacements among the reserve's stations, over ``replications`` simulated days
(:mod:`simulation.spares.demand`); the spares needed are their ``confidence`` quantile (the
smallest stock that covers the day's replacements on that share of days), beside the
Poisson quantile (:mod:`simulation.spares.analytic`); then the reserve's days re-simulated
with one spare fewer (:mod:`simulation.spares.cost`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.model import Scenario
from simulation.spares.analytic import poisson_cdf, poisson_quantile, unit_replacements
from simulation.spares.cost import missing_spare_cost
from simulation.spares.demand import Demand, simulate_demand
from simulation.spares.model import MissingSpare, Represented, ReserveSpares, SparesOutput
from simulation.spares.reserves import Reserve, fault_sources, reserves, spare_pools
from simulation.station.units import station_units
from simulation.stations import StationTable, build_stations

IntArray = NDArray[np.int64]
DEFAULT_REPLICATIONS = 400


@dataclass(frozen=True)
class SparesRequest:
    confidence: float | None = None  # None: the scenario's [spares] confidence
    replications: int = DEFAULT_REPLICATIONS
    seed: int | None = None  # None: the scenario's election seed
    missing_cost: bool = True  # re-simulate the days one spare short


def quantile_needed(days: IntArray, confidence: float) -> int:
    """The smallest stock covering the day's replacements on ``confidence`` of the days."""
    ordered = np.sort(np.asarray(days))
    return int(ordered[max(0, math.ceil(confidence * len(ordered) - 1e-9) - 1)])


def _expected(scenario: Scenario, stations: StationTable, members: IntArray,
              pool: str) -> tuple[float, float, int]:
    """Poisson mean, its upper bound, and the units of ``pool`` at ``members``."""
    day_s = scenario.election.day_s
    per_unit = [unit_replacements(s, day_s) for s in fault_sources(scenario) if s.pool == pool]
    units = sum(station_units(scenario, stations, int(s))[pool] for s in members)
    return (units * sum(m for m, _ in per_unit), units * sum(u for _, u in per_unit), units)


def _represented(scenario: Scenario, stations: StationTable, demand: Demand, reserve: Reserve,
                 pool: str, confidence: float) -> Represented | None:
    """A weighted reserve's real stations: each is a day like its group's simulated ones, so
    their summed replacements have the summed mean and (independent stations) variance."""
    represented, expected, mean, var = 0, 0.0, 0.0, 0.0
    for name in reserve.groups:
        k = scenario.group_names.index(name)
        group = scenario.station_groups[k]
        members = reserve.stations[stations.group[reserve.stations] == k]
        copies = round(group.count * group.weight)
        columns = np.searchsorted(demand.stations, members)
        days = demand.counts[:, columns, demand.pools.index(pool)].reshape(-1)
        represented += copies
        expected += _expected(scenario, stations, members, pool)[0] * copies / len(members)
        mean += copies * float(days.mean())
        var += (copies * float(days.std(ddof=1) if len(days) > 1 else 0.0)) ** 2 / len(days)
    if represented == len(reserve.stations):
        return None
    return Represented(stations=represented, expected_replacements=round(expected, 4),
                       simulated_mean=round(mean, 4), simulated_mean_se=round(var ** 0.5, 4),
                       needed_analytic=poisson_quantile(expected, confidence))


def _row(scenario: Scenario, stations: StationTable, demand: Demand, reserve: Reserve,
         pool: str, confidence: float, missing_cost: bool) -> ReserveSpares:
    days = demand.reserve_days(reserve.stations, pool)
    mean, upper, units = _expected(scenario, stations, reserve.stations, pool)
    needed = quantile_needed(days, confidence)
    analytic = poisson_quantile(mean, confidence)
    cost = (missing_spare_cost(scenario, stations, demand, reserve.stations, pool, needed)
            if missing_cost else None)
    return ReserveSpares(
        reserve=reserve.name, pool=pool, groups=list(reserve.groups),
        stations=len(reserve.stations), units=units,
        expected_replacements=round(mean, 4), expected_replacements_max=round(upper, 4),
        simulated_mean=round(float(days.mean()), 4), simulated_max=int(days.max()),
        needed_simulated=needed, needed_analytic=analytic,
        days_covered_by_analytic=round(float(np.mean(days <= analytic)), 4),
        missing_spare=None if cost is None else MissingSpare(
            stock=cost.stock, days_short=cost.days_short,
            extra_lost_votes_per_day=round(cost.lost_votes_per_day, 4),
            station_days_simulated=cost.station_days_simulated),
        represented=_represented(scenario, stations, demand, reserve, pool, confidence),
    )


def _notes(scenario: Scenario, rows: list[ReserveSpares], confidence: float) -> list[str]:
    notes = []
    if not rows:
        notes.append("no device fault ends in a replacement (every repair_probability is 1): "
                     "no spares are drawn")
    if any(r.represented is not None for r in rows):
        notes.append("weighted groups: the stock and the lost votes one spare short are the "
                     "simulated stations' reserve; 'represented' answers for the real "
                     "stations they stand for")
    for r in rows:
        gap = 1 - poisson_cdf(r.needed_simulated, r.expected_replacements)
        if r.needed_simulated < r.needed_analytic and gap > 1 - confidence:
            notes.append(f"{r.reserve}/{r.pool}: the simulated answer {r.needed_simulated} is "
                         f"below the Poisson one {r.needed_analytic}; more replications "
                         "narrow the simulated quantile")
    return notes


def plan_spares(
    scenario: Scenario,
    request: SparesRequest,
    *,
    scenario_name: str = "",
    stations: StationTable | None = None,
    progress: Callable[[str], None] | None = None,
) -> SparesOutput:
    """Spares per reserve and pool (see the module's docstring)."""
    started = time.perf_counter()
    confidence = request.confidence or scenario.spares.confidence
    seed = scenario.election.seed if request.seed is None else request.seed
    table = stations if stations is not None else build_stations(scenario)
    pools = spare_pools(scenario)
    rows = []
    if pools:
        if progress:
            progress(f"drawing the faults of {len(table):,} stations on "
                     f"{request.replications:,} days")
        demand = simulate_demand(scenario, table, np.arange(len(table), dtype=np.int64), pools,
                                 replications=request.replications, seed=seed)
        for reserve in reserves(scenario, table):
            for pool in pools:
                if progress:
                    progress(f"reserve {reserve.name}, {pool}")
                rows.append(_row(scenario, table, demand, reserve, pool, confidence,
                                 request.missing_cost))
    missing = scenario.spares.missing_delivery_min
    delivery = "" if missing is None else missing.model_dump_json(by_alias=True)
    return SparesOutput.of({
        "scenario": scenario_name or scenario.election.name,
        "confidence": confidence, "replications": request.replications, "seed": seed,
        "day_h": round(scenario.election.day_s / 3600, 4),
        "missing_delivery": ("the unit stays out until polls close" if missing is None
                             else f"missing_delivery_min: {delivery}"),
        "reserves": [r.model_dump() for r in rows],
        "notes": _notes(scenario, rows, confidence),
        "wall_s": round(time.perf_counter() - started, 2),
    })
