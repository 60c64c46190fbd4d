"""pollday's election-day simulation: scenarios, the SimPy station model, national runs.

Usable from Python without the CLI::

    from simulation import load_scenario, simulate, national_summary
    scenario = load_scenario("scenarios/smoke.toml")
    result = simulate(scenario, workers=2)
    print(national_summary(result)["wait_min"])
"""

from simulation.national.runner import NationalResult, RunOptions, simulate, simulate_station
from simulation.national.summary import national_summary
from simulation.outputs.schedule import SCHEDULE_DTYPE, EventKind
from simulation.scenario.distributions import Distribution
from simulation.scenario.loading import Problem, ScenarioError, load_scenario, parse_scenario
from simulation.scenario.model import Scenario
from simulation.station.input import StationInput, StationOutcome, Status
from simulation.station.model import run_station
from simulation.station.plan import StationPlan, plan_station
from simulation.station.units import Hardware
from simulation.stations import StationTable, build_stations, station_code

__all__ = [
    "SCHEDULE_DTYPE",
    "Distribution",
    "EventKind",
    "Hardware",
    "NationalResult",
    "Problem",
    "RunOptions",
    "Scenario",
    "ScenarioError",
    "StationInput",
    "StationOutcome",
    "StationPlan",
    "StationTable",
    "Status",
    "build_stations",
    "load_scenario",
    "national_summary",
    "parse_scenario",
    "plan_station",
    "run_station",
    "simulate",
    "simulate_station",
    "station_code",
]
