"""What a missing spare costs: the reserve's days re-simulated with one spare fewer.

On every simulated day on which the reserve's replacements of a pool reach ``needed`` (so a
stock of ``needed − 1`` runs out), the stations whose faults change are simulated twice on
the same draws: with ``needed`` spares and with one fewer (:mod:`simulation.spares.stock`).
Every other station-day is the same under both stocks, so its lost votes do not change;
the extra lost votes a day are the summed differences over all simulated days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.model import Scenario
from simulation.spares.demand import Demand, station_faults
from simulation.spares.stock import limit_stock, missing_delays, same_faults
from simulation.standard import day_measures
from simulation.station.flow_input import PoolFaults
from simulation.station.model import run_station
from simulation.station.plan import StationPlan, plan_station
from simulation.stations import StationTable

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class MissingSpareCost:
    stock: int  # the spares held: one fewer than needed
    days: int  # simulated days
    days_short: int  # days on which ``stock`` spares ran out
    extra_lost_votes: int  # over every day, against a stock of ``stock + 1``
    station_days_simulated: int

    @property
    def lost_votes_per_day(self) -> float:
        return self.extra_lost_votes / self.days if self.days else 0.0


def _lost_votes(scenario: Scenario, plan: StationPlan, faults: list[PoolFaults]) -> int:
    day = replace(plan, input=replace(plan.input, faults=faults))
    return day_measures(day, run_station(day.input), scenario.standard).lost_votes


def missing_spare_cost(
    scenario: Scenario,
    stations: StationTable,
    demand: Demand,
    members: IntArray,
    pool: str,
    needed: int,
) -> MissingSpareCost | None:
    """Extra lost votes a day in the reserve of ``members`` holding ``needed − 1`` spares of
    ``pool`` instead of ``needed`` (None when ``needed`` is 0: there is no spare to take)."""
    if needed < 1:
        return None
    close_s = scenario.election.day_s
    engine_pool = scenario.pool_names.index(pool)
    columns = np.searchsorted(demand.stations, members)
    counts = demand.counts[:, columns, demand.pools.index(pool)]
    short_days = np.flatnonzero(counts.sum(axis=1) >= needed)
    extra, simulated = 0, 0
    for r in short_days.tolist():
        asking = members[counts[r] > 0].tolist()  # only they have replacements to serve
        day = {s: station_faults(scenario, stations, s, r, demand.seed) for s in asking}
        delays = {s: missing_delays(scenario, f, s, r, demand.seed) for s, f in day.items()}
        enough = limit_stock(day, delays, engine_pool, needed, close_s)
        fewer = limit_stock(day, delays, engine_pool, needed - 1, close_s)
        for s in sorted(enough.changed | fewer.changed):
            if same_faults(enough.faults[s], fewer.faults[s]):
                continue
            plan = plan_station(scenario, stations, s, replication=r, seed=demand.seed)
            if plan.input.faults != day[s]:  # the demand's draws must be the day's
                raise RuntimeError(f"station {s}, day {r}: faults differ from the plan's")
            extra += (_lost_votes(scenario, plan, fewer.faults[s])
                      - _lost_votes(scenario, plan, enough.faults[s]))
            simulated += 2
    return MissingSpareCost(needed - 1, demand.replications, len(short_days), extra, simulated)
