"""pollday: election-day simulation and load-testing harness (CLI and orchestration).

The commands are ``pollday.cli.main``. Each command's work is a library call taking typed
options and returning a typed result; ``__all__`` lists them (docs: README, "From Python")::

    from pollday import StationOptions, station_answer
    answer = station_answer(StationOptions(registered=1400, terminals=2))
    print(answer.standard.verdict, answer.wait_min.p95)

Exit codes are ``pollday.exits``. The names below are imported on first use: ``import
pollday`` alone stays light (the whole harness takes seconds to import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it (one place to read the curated API). Three calls
# are published under a longer name (_RENAMED): a bare ``size``, ``spares`` or ``run`` would
# clash with a sub-package of that name (``pollday.size``) once the modules are grouped.
_RENAMED: dict[str, tuple[str, str]] = {
    "size_stations": ("pollday.size_run", "size"),
    "count_spares": ("pollday.spares_run", "spares"),
    "run_loop": ("pollday.run_pipeline", "run"),
}
_HOMES: dict[str, str] = {
    # pollday station: one station's day
    "StationOptions": "pollday.station_run",
    "station_answer": "pollday.station_run",
    "serve_station_page": "pollday.station_run",
    "StationAnswer": "pollday.station_model",
    "StationInputError": "pollday.station_defaults",
    # pollday validate / simulate / size / allocate / spares / init
    "ValidateOptions": "pollday.validate_run",
    "Validation": "pollday.validate_run",
    "validate_scenario_file": "pollday.validate_run",
    "SimulateOptions": "pollday.simulate_run",
    "SimulateResult": "pollday.simulate_run",
    "simulate_to_folder": "pollday.simulate_run",
    "SizeOptions": "pollday.size_run",
    "SizeInputError": "pollday.size_run",
    "SizingOutput": "simulation.sizing_model",
    "AllocateOptions": "pollday.allocate_run",
    "allocate_to_folder": "pollday.allocate_run",
    "AllocationOutput": "simulation.allocation.model",
    "AllocationInputError": "simulation.allocation.allocate",
    "SparesOptions": "pollday.spares_run",
    "InitOptions": "pollday.init_command",
    "InitError": "pollday.init_command",
    "write_scenario": "pollday.init_command",
    # pollday run / capacity: the whole loop and the breaking point
    "RunConfig": "pollday.run_pipeline",
    "RunFailure": "pollday.run_pipeline",
    "CapacityConfig": "pollday.capacity_config",
    "run_capacity": "pollday.capacity_pipeline",
    # errors every call may raise
    "ScenarioError": "simulation.loading",
    "OutFolderError": "pollday.outputs",
}

__all__ = [  # literal, so linters and editors read it; tests/test_public_api.py: == the maps
    "AllocateOptions",
    "AllocationInputError",
    "AllocationOutput",
    "CapacityConfig",
    "InitError",
    "InitOptions",
    "OutFolderError",
    "RunConfig",
    "RunFailure",
    "ScenarioError",
    "SimulateOptions",
    "SimulateResult",
    "SizeInputError",
    "SizeOptions",
    "SizingOutput",
    "SparesOptions",
    "StationAnswer",
    "StationInputError",
    "StationOptions",
    "ValidateOptions",
    "Validation",
    "__version__",
    "allocate_to_folder",
    "count_spares",
    "run_capacity",
    "run_loop",
    "serve_station_page",
    "simulate_to_folder",
    "size_stations",
    "station_answer",
    "validate_scenario_file",
    "write_scenario",
]

if TYPE_CHECKING:  # what a type checker and an editor see; at run time, __getattr__
    from pollday.allocate_run import AllocateOptions, allocate_to_folder
    from pollday.capacity_config import CapacityConfig
    from pollday.capacity_pipeline import run_capacity
    from pollday.init_command import InitError, InitOptions, write_scenario
    from pollday.outputs import OutFolderError
    from pollday.run_pipeline import RunConfig, RunFailure
    from pollday.run_pipeline import run as run_loop
    from pollday.simulate_run import SimulateOptions, SimulateResult, simulate_to_folder
    from pollday.size_run import SizeInputError, SizeOptions
    from pollday.size_run import size as size_stations
    from pollday.spares_run import SparesOptions
    from pollday.spares_run import spares as count_spares
    from pollday.station_defaults import StationInputError
    from pollday.station_model import StationAnswer
    from pollday.station_run import StationOptions, serve_station_page, station_answer
    from pollday.validate_run import ValidateOptions, Validation, validate_scenario_file
    from simulation.allocation.allocate import AllocationInputError
    from simulation.allocation.model import AllocationOutput
    from simulation.loading import ScenarioError
    from simulation.sizing_model import SizingOutput


def __getattr__(name: str) -> Any:
    home, attribute = _RENAMED.get(name, (_HOMES.get(name, ""), name))
    if not home:
        raise AttributeError(f"module 'pollday' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), attribute)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_RENAMED})
