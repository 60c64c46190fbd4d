"""A reserve with a finite stock: replacements beyond it wait for a unit from further away.

The engine is not changed: a unit's failures come at times fixed by its drawn up-times and
downs, so a reserve's replacement requests can be served in time order before any station
runs. The first ``stock`` requests of a pool (across the reserve's stations, ties by station,
source, unit) take a spare and keep their drawn ``replacement_time_min`` (the delivery from
the reserve); later ones take the missing delivery time instead, which moves that unit's
later failures. The result is each station's faults with those downs changed, handed to the
engine in place of the drawn ones (``dataclasses.replace(plan.input, faults=...)``).

The missing delivery times are drawn from their own stream (SPARES), one per failure of
every unit whether or not it is needed, so two stock levels on the same day share them
(common random numbers), and no other draw of the day moves.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace

from simulation.scenario.model import Scenario
from simulation.station.flow_input import PoolFaults
from simulation.streams import Stream, station_rng

# Per source (the station's faults' order), per unit, per failure: seconds; nan: the unit
# stays out until polls close.
MissingDelays = list[list[list[float]]]


def missing_delays(
    scenario: Scenario, faults: list[PoolFaults], station: int, replication: int, seed: int
) -> MissingDelays:
    """The station's times to bring a unit when its reserve is empty, one per failure."""
    dist = scenario.spares.missing_delivery_min
    if dist is None:
        return [[[math.nan] * len(up) for up in f.up_s] for f in faults]
    rng = station_rng(Stream.SPARES, station, replication, seed)
    return [[(dist.sample(len(up), rng=rng) * 60).tolist() for up in f.up_s] for f in faults]


@dataclass(frozen=True)
class Stocked:
    """A day of a reserve under a finite stock of one pool."""

    faults: dict[int, list[PoolFaults]]  # station -> its faults (changed or not)
    changed: frozenset[int]  # stations whose faults differ from the drawn ones
    short: int  # replacements that found the reserve empty


def limit_stock(
    day: dict[int, list[PoolFaults]],
    delays: dict[int, MissingDelays],
    pool: int,
    stock: int,
    close_s: float,
) -> Stocked:
    """Serve the replacements of the engine's pool ``pool`` from ``stock`` spares."""
    downs = {s: [[list(d) for d in f.down_s] for f in faults] for s, faults in day.items()}
    events: list[tuple[float, int, int, int, int]] = []  # (time, station, source, unit, j)
    for station, faults in day.items():
        for src, f in enumerate(faults):
            if f.pool != pool or not f.replaced:
                continue
            for unit, up in enumerate(f.up_s):
                if up:
                    events.append((up[0], station, src, unit, 0))
    heapq.heapify(events)
    left, short, changed = stock, 0, set()
    while events:
        t_s, station, src, unit, j = heapq.heappop(events)
        if t_s >= close_s:
            continue
        f = day[station][src]
        unit_downs = downs[station][src][unit]
        if f.replaced[unit][j]:
            if left > 0:
                left -= 1
            else:
                short += 1
                delay = delays[station][src][unit][j]
                unit_downs[j] = close_s - t_s if math.isnan(delay) else delay
                changed.add(station)
        if j + 1 < len(f.up_s[unit]):
            next_s = t_s + unit_downs[j] + f.up_s[unit][j + 1]
            heapq.heappush(events, (next_s, station, src, unit, j + 1))
    out = {
        s: [replace(f, down_s=downs[s][k]) if s in changed else f for k, f in enumerate(faults)]
        for s, faults in day.items()
    }
    return Stocked(out, frozenset(changed), short)



def same_faults(a: list[PoolFaults], b: list[PoolFaults]) -> bool:
    """Whether two versions of a station's faults give the same day (the same downs)."""
    return all(x.down_s == y.down_s for x, y in zip(a, b, strict=True))
