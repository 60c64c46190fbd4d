"""One station under candidate units, on the same simulated days (common random numbers).

Every candidate of a search runs the same replications with the same draws: only the units
of the pools change (and with them the pools' own fault draws), so the difference between
two candidates is the hardware's doing, not the dice's. A candidate is simulated once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.scenario.model import Scenario
from simulation.sizing.request import Evaluation, SizingRequest, Units, as_units, targets_for
from simulation.sizing.targets import DayFigures, day_figures
from simulation.station.model import run_station
from simulation.station.plan import plan_station
from simulation.station.units import DEFAULT_POOLS, Hardware, station_units
from simulation.stations import StationTable

__all__ = ["Evaluator", "today_units", "units_from"]


def today_units(scenario: Scenario, stations: StationTable, station: int) -> Units:
    """The station's units today, every pool of its flow."""
    return as_units(scenario, station_units(scenario, stations, station))


def units_from(scenario: Scenario, hardware: Hardware | Units) -> Units:
    """Units from the default flow's :class:`Hardware` (older callers) or units as they are."""
    if isinstance(hardware, Hardware):
        return as_units(scenario, dict(zip(DEFAULT_POOLS, (hardware.terminals, hardware.desks,
                                                           hardware.booths), strict=True)))
    return hardware


@dataclass
class Evaluator:
    """Runs one station under candidate units for every replication (same draws)."""

    scenario: Scenario
    stations: StationTable
    station: int
    request: SizingRequest
    station_days: int = 0
    _days: dict[Units, list[DayFigures]] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.scenario.election.seed if self.request.seed is None else self.request.seed

    def days(self, units: Units) -> list[DayFigures]:
        if units in self._days:
            return self._days[units]
        out = []
        for r in range(self.request.replications):
            plan = plan_station(self.scenario, self.stations, self.station, replication=r,
                                seed=self.seed, units=dict(units))
            out.append(day_figures(plan, run_station(plan.input), self.scenario.standard))
        self.station_days += len(out)
        self._days[units] = out
        return out

    def evaluate(self, units: Units, pool: str) -> Evaluation:
        """``units`` judged on the scenario's standard (every part) and the request's extra
        targets for ``pool``, on the same days as every other candidate."""
        days = self.days(units)
        targets = targets_for(self.request, pool)
        met = [not d.standard_failed and all(t.holds(d.value(t.metric, pool))
                                             for t in targets) for d in days]
        failing: dict[str, int] = {}
        for d in days:
            for part in d.standard_failed:
                failing[part] = failing.get(part, 0) + 1
        return Evaluation(
            units=units,
            met_share=sum(met) / len(met),
            p95_wait_min=[d.visit_p95_min for d in days],
            lost_votes_mean=float(np.mean([d.lost_votes for d in days])),
            last_left_after_close_min=float(
                np.percentile([d.last_voter_left_after_close_min for d in days], 95)),
            days_failing=failing,
        )
