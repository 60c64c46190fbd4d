"""How many units each pool of a station has today: the scenario's, or a study's override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from simulation.scenario.model import Scenario
from simulation.station.flow_input import FlowInput
from simulation.stations import StationTable

DEFAULT_POOLS = ("terminal", "desk", "booth")  # the default flow's pools, in flow order


@dataclass(frozen=True)
class Hardware:
    terminals: int
    desks: int
    booths: int


def station_units(scenario: Scenario, stations: StationTable, station: int) -> dict[str, int]:
    """Today's units of every pool of the station's flow (the default flow's too)."""
    if not scenario.flow:
        return {"terminal": int(stations.terminals[station]),
                "desk": int(stations.desks[station]), "booth": int(stations.booths[station])}
    group = scenario.station_groups[int(stations.group[station])]
    return {p: int(group.pools[p]) for p in scenario.pool_names}


def units_in_flow(
    scenario: Scenario, units: Mapping[str, int], flow: FlowInput | None
) -> tuple[FlowInput | None, dict[str, int], int]:
    """The flow with ``units`` in its pools, units per pool, and how many serve
    identification (the engine's 'terminals')."""
    if flow is None:
        chosen = {p: int(units[p]) for p in DEFAULT_POOLS}
        return None, chosen, chosen["terminal"]
    flow = replace(flow, pools=[(name, int(units.get(name, count))) for name, count in flow.pools])
    chosen = dict(flow.pools)
    return flow, chosen, chosen[scenario.pool_names[flow.stages[flow.identification_stage].pool]]
