"""One polling station's day: drawn up front, replayed by the SimPy model, read as figures."""

from simulation.station.input import StationInput, StationOutcome, Status
from simulation.station.metrics import StationResult, summarise_station
from simulation.station.model import run_station
from simulation.station.plan import StationPlan, plan_station
from simulation.station.units import Hardware

__all__ = [
    "Hardware",
    "StationInput",
    "StationOutcome",
    "StationPlan",
    "StationResult",
    "Status",
    "plan_station",
    "run_station",
    "summarise_station",
]
