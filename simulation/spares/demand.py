"""How many spares the simulated faults ask for: replacements per station-day, per pool.

A unit's failures do not depend on the voters: failure j of a unit comes at the sum of its
first j + 1 up-times and first j times out of service, and the engine fails it there when
that is before closing (:mod:`simulation.station.faults`). So the replacements of a day are
read off the drawn faults without running the station: the same draws (stream FAILURES,
today's units) as :func:`simulation.station.plan.plan_station`, so they are the replacements the
simulated day has (``StationOutcome.replacements``; checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.model import Scenario
from simulation.station.flow_input import PoolFaults
from simulation.station.plan_flow import draw_faults
from simulation.station.units import station_units
from simulation.stations import StationTable
from simulation.streams import Stream, station_rng

IntArray = NDArray[np.int64]


def station_faults(
    scenario: Scenario, stations: StationTable, station: int, replication: int, seed: int
) -> list[PoolFaults]:
    """The station's drawn faults on that day, with today's units (as ``plan_station``)."""
    rng = station_rng(Stream.FAILURES, station, replication, seed)
    units = station_units(scenario, stations, station)
    return draw_faults(scenario, units, scenario.election.day_s, rng=rng)


def failure_times_s(up_s: list[float], down_s: list[float]) -> list[float]:
    """When each failure of one unit comes: after its up-time, the previous down and so on
    (added in the engine's order, so a failure at closing is judged the same way)."""
    times, t_s = [], 0.0
    for up, down in zip(up_s, down_s, strict=False):
        t_s += up
        times.append(t_s)
        t_s += down
    return times


def replacements(faults: PoolFaults, close_s: float) -> list[tuple[float, int, int]]:
    """(time, unit, failure index) of every failure ending in a replacement before closing."""
    out = []
    for unit, swaps in enumerate(faults.replaced):
        times = failure_times_s(faults.up_s[unit], faults.down_s[unit])
        out += [(t_s, unit, j) for j, (t_s, swap) in enumerate(zip(times, swaps, strict=False))
                if swap and t_s < close_s]
    return out


def pool_replacements(
    faults: list[PoolFaults], pool: int, close_s: float
) -> int:
    """Replacements of the engine's pool ``pool`` in one station-day."""
    return sum(len(replacements(f, close_s)) for f in faults if f.pool == pool)


@dataclass(frozen=True)
class Demand:
    """Replacements per (replication, station, pool): ``counts[r, s, p]`` for the station
    ``stations[s]`` (indices into the station table) and pool ``pools[p]``."""

    pools: list[str]
    stations: IntArray
    counts: IntArray
    seed: int

    @property
    def replications(self) -> int:
        return int(self.counts.shape[0])

    def reserve_days(self, members: IntArray, pool: str) -> IntArray:
        """Per replication: the replacements of ``pool`` among the stations ``members``."""
        columns = np.searchsorted(self.stations, members)
        days: IntArray = self.counts[:, columns, self.pools.index(pool)].sum(axis=1)
        return days.astype(np.int64)


def simulate_demand(
    scenario: Scenario,
    stations: StationTable,
    members: IntArray,
    pools: list[str],
    *,
    replications: int,
    seed: int,
) -> Demand:
    """The replacements of every station of ``members`` (sorted) on ``replications`` days."""
    close_s = scenario.election.day_s
    engine_pool = [scenario.pool_names.index(p) for p in pools]
    counts = np.zeros((replications, len(members), len(pools)), dtype=np.int64)
    for r in range(replications):
        for s, station in enumerate(members.tolist()):
            faults = station_faults(scenario, stations, station, r, seed)
            for p, pool in enumerate(engine_pool):
                counts[r, s, p] = pool_replacements(faults, pool, close_s)
    return Demand(pools, members, counts, seed)
