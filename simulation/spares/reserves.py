"""Which reserve each station draws its spares from, and which faults end in a replacement.

A reserve is a set of stations sharing one stock of spare units per pool: by default a
station group; groups naming the same ``reserve`` share one. The fault sources are listed in
the order :func:`simulation.station.plan_flow.draw_faults` draws them (the ``[failures]`` section,
the identification pool's, first; then each ``[[device_faults]]``), so a source's position
is its index in a station's drawn faults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.distributions import Distribution
from simulation.scenario.model import Scenario, StationGroup
from simulation.stations import StationTable

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class FaultSource:
    """One section that makes a pool's units fail (``[failures]`` or a ``[[device_faults]]``)."""

    pool: str
    mtbf_h: float
    repair_probability: float
    repair_min: Distribution | None  # None: never repaired (repair_probability = 0)
    replacement_min: Distribution | None

    @property
    def replaces(self) -> bool:
        """Some of its failures end in a replacement (a spare)."""
        return self.repair_probability < 1


def identification_pool(scenario: Scenario) -> str:
    if not scenario.flow:
        return "terminal"
    return next(s.pool for s in scenario.flow if s.kind == "identification")


def fault_sources(scenario: Scenario) -> list[FaultSource]:
    """Every fault section, in the order a station's faults are drawn."""
    out = []
    f = scenario.failures
    if f.mtbf_h is not None:
        out.append(FaultSource(identification_pool(scenario), f.mtbf_h, f.repair_probability,
                               f.repair_time_min, f.replacement_time_min))
    out += [FaultSource(d.pool, d.mtbf_h, d.repair_probability, d.repair_time_min,
                        d.replacement_time_min) for d in scenario.device_faults]
    return out


def spare_pools(scenario: Scenario) -> list[str]:
    """The pools some of whose failures are replacements, in the scenario's pool order."""
    replaced = {s.pool for s in fault_sources(scenario) if s.replaces}
    return [p for p in scenario.pool_names if p in replaced]


def reserve_name(group: StationGroup) -> str:
    return group.reserve if group.reserve is not None else group.name


@dataclass(frozen=True)
class Reserve:
    """A reserve and the stations drawing from it (indices into the station table)."""

    name: str
    groups: tuple[str, ...]
    stations: IntArray


def reserves(scenario: Scenario, stations: StationTable) -> list[Reserve]:
    """Every reserve, in the order of its first station group."""
    names = [reserve_name(g) for g in scenario.station_groups]
    out = []
    for name in dict.fromkeys(names):
        members = [k for k, n in enumerate(names) if n == name]
        index = np.flatnonzero(np.isin(stations.group, members)).astype(np.int64)
        out.append(Reserve(name, tuple(scenario.station_groups[k].name for k in members), index))
    return out
