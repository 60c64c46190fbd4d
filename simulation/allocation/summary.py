"""``allocation.json``, ``allocation.csv`` and ``moves.csv`` from the allocation's results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulation.allocation.allocate import ALLOCATIONS, AllocationRequest, PoolResult
from simulation.allocation.figures import figures
from simulation.allocation.model import AllocationOutput, FreshCheck, PoolAllocation
from simulation.allocation.moves import SCOPES
from simulation.scenario.model import Scenario
from simulation.standard import rule_text
from simulation.stations import StationTable, station_code

__all__ = ["allocation_output", "move_rows", "objective_text", "station_rows"]


def objective_text(limit_min: float) -> str:
    return (f"fewest voters failed by the line (time in line over {limit_min:g} min, or lost: "
            "left the line, sent home at closing), summed over stations and simulated days; "
            "then the lowest p95 time in line at the worst station; then the fewest units "
            "moved from today's allocation")


def _verdict(result: PoolResult, pool: PoolAllocation) -> str:
    rec, today, prop = pool.recommended, pool.today, pool.proportional
    text = (f"{pool.pool}: {pool.budget:,} units: {rec.voters_over_per_day:,.1f} voters a day "
            f"over the limit or lost (today's allocation {today.voters_over_per_day:,.1f}, "
            f"proportional {prop.voters_over_per_day:,.1f}); the standard holds at "
            f"{rec.stations_meeting_standard:,} of {len(result.curve_of):,} stations")
    smallest = pool.smallest_budget_meeting_standard
    if smallest is None:
        unreachable = pool.stations_unreachable
        text += (f". No budget meets the standard at every station: {len(unreachable):,} "
                 f"cannot with any count tried ({', '.join(unreachable[:5])}"
                 f"{', ...' if len(unreachable) > 5 else ''}: more units stop helping); at "
                 f"the others the smallest budget meeting it is "
                 f"{pool.smallest_budget_meeting_standard_elsewhere:,}")
    elif smallest > pool.budget:
        text += (f". The budget cannot meet the standard at every station: the smallest "
                 f"budget that does is {smallest:,} ({smallest - pool.budget:+,})")
    else:
        text += f". The smallest budget meeting the standard at every station: {smallest:,}"
    return text + f"; {pool.units_moved:,} units move in {pool.moves:,} moves."


def _pool(result: PoolResult, request: AllocationRequest, table: StationTable) -> PoolAllocation:
    names = [station_code(s) for s in range(len(table))]
    days = [result.curves[c].days for c in result.curve_of.tolist()]
    judged = {a: figures(result.allocations[a].tolist(),
                         [result.point(a, s) for s in range(len(table))], days, names)
              for a in ALLOCATIONS}
    fresh = None
    if result.fresh is not None:
        only = result.fresh_stations
        fresh_names = [names[s] for s in only]
        simulated = {(s, int(result.allocations[a][s])) for a in ALLOCATIONS for s in only}
        fresh = FreshCheck(
            seed=result.fresh_seed, days=request.fresh_days, stations=len(only),
            station_days=len(simulated) * request.fresh_days,
            **{a: figures([int(result.allocations[a][s]) for s in only], result.fresh[a],
                          [request.fresh_days] * len(only), fresh_names)
               for a in ALLOCATIONS})
    fewest = [result.curves[c].fewest_meeting for c in result.curve_of.tolist()]
    unreachable = [names[s] for s, f in enumerate(fewest) if f is None]
    between = [m for m in result.moves if m.from_station is not None and m.to_station is not None]
    placed = int(result.answer.units.sum())
    pool = PoolAllocation(
        pool=result.pool, budget=result.budget,
        today_total=int(result.allocations["today"].sum()), floor=result.floor,
        floors_total=result.floor * len(table), placed=placed,
        not_needed=result.budget - placed, curves=len(result.curves),
        shared_curves=any(len(c.stations) > 1 for c in result.curves),
        today=judged["today"], proportional=judged["proportional"],
        recommended=judged["recommended"], fresh=fresh,
        meets_standard_everywhere=all(result.point("recommended", s).meets
                                      for s in range(len(table))),
        smallest_budget_meeting_standard=None if unreachable else sum(
            f for f in fewest if f is not None),
        smallest_budget_meeting_standard_elsewhere=sum(
            result.floor if f is None else f for f in fewest),
        stations_unreachable=unreachable, units_moved=sum(m.units for m in between),
        moves=len(between),
        moves_by_scope={s: n for s in SCOPES
                        if (n := sum(m.units for m in result.moves if m.scope == s))},
        verdict="",
    )
    pool.verdict = _verdict(result, pool)
    return pool


def allocation_output(scenario: Scenario, request: AllocationRequest,
                      results: Sequence[PoolResult], table: StationTable, *, scenario_name: str,
                      seed: int) -> AllocationOutput:
    rule = scenario.standard
    return AllocationOutput(
        format=AllocationOutput.FORMAT, scenario=scenario_name,
        objective=objective_text(rule.wait_p95_max_min), standard=rule_text(rule),
        wait_limit_min=rule.wait_p95_max_min, replications=request.replications,
        band_voters=request.band_voters, seed=seed, stations=len(table),
        station_days_simulated=sum(r.station_days for r in results),
        pools=[_pool(r, request, table) for r in results],
    )


def station_rows(scenario: Scenario, request: AllocationRequest,
                 results: Sequence[PoolResult], table: StationTable) -> list[dict[str, Any]]:
    """allocation.csv: one row per station and budgeted pool."""
    rows = []
    for result in results:
        fresh_at = {s: k for k, s in enumerate(result.fresh_stations)}
        for s in range(len(table)):
            curve = result.curves[int(result.curve_of[s])]
            days = curve.days
            row: dict[str, Any] = {
                "station": station_code(s),
                "group": scenario.station_groups[int(table.group[s])].name,
                "registered": int(table.registered[s]), "pool": result.pool,
                "curve_stations": len(curve.stations), "curve_days": days,
                **{a: int(result.allocations[a][s]) for a in ALLOCATIONS},
            }
            for a in ALLOCATIONS:
                point = result.point(a, s)
                row[f"voters_over_per_day_{a}"] = round(point.over / days, 3)
                row[f"p95_wait_min_{a}"] = round(point.p95_min, 2)
                row[f"meets_standard_{a}"] = point.meets
            if result.fresh is not None:
                k = fresh_at.get(s)
                for a in ALLOCATIONS:
                    fresh = None if k is None else result.fresh[a][k]
                    row[f"fresh_voters_over_per_day_{a}"] = (
                        "" if fresh is None else round(fresh.over / request.fresh_days, 3))
                    row[f"fresh_p95_wait_min_{a}"] = "" if fresh is None else round(
                        fresh.p95_min, 2)
            rows.append(row)
    return rows


def move_rows(scenario: Scenario, results: Sequence[PoolResult],
              table: StationTable) -> list[dict[str, Any]]:
    """moves.csv: one row per move (an empty station: new units, or units withdrawn)."""
    def who(s: int | None) -> tuple[str, str]:
        if s is None:
            return "", ""
        return station_code(s), scenario.station_groups[int(table.group[s])].name

    rows = []
    for result in results:
        for m in result.moves:
            (src, src_group), (dst, dst_group) = who(m.from_station), who(m.to_station)
            rows.append({"pool": result.pool, "from_station": src, "from_group": src_group,
                         "to_station": dst, "to_group": dst_group, "units": m.units,
                         "scope": m.scope})
    return rows
