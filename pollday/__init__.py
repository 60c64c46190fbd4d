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

from pollday.version import __version__

# Public name -> the module that defines it (one place to read the curated API). Three calls
# are published under a longer name (_RENAMED): a bare ``size``, ``spares`` or ``run`` would
# clash with a sub-package of that name (``pollday.size``) once the modules are grouped.
_RENAMED: dict[str, tuple[str, str]] = {
    "size_stations": ("pollday.size.api", "size"),
    "count_spares": ("pollday.spares.api", "spares"),
    "run_loop": ("pollday.run.pipeline", "run"),
}
_HOMES: dict[str, str] = {
    # pollday station: one station's day
    "StationOptions": "pollday.station.api",
    "station_answer": "pollday.station.api",
    "serve_station_page": "pollday.station.api",
    "StationAnswer": "pollday.station.answer",
    "StationInputError": "pollday.station.defaults",
    # pollday validate / simulate / size / allocate / spares / init
    "ValidateOptions": "pollday.scenario.validate",
    "Validation": "pollday.scenario.validate",
    "validate_scenario_file": "pollday.scenario.validate",
    "SimulateOptions": "pollday.simulate.api",
    "SimulateResult": "pollday.simulate.api",
    "simulate_to_folder": "pollday.simulate.api",
    "SizeOptions": "pollday.size.api",
    "SizeInputError": "pollday.size.api",
    "SizingOutput": "simulation.sizing.model",
    "AllocateOptions": "pollday.allocate.api",
    "allocate_to_folder": "pollday.allocate.api",
    "AllocationOutput": "simulation.allocation.model",
    "AllocationInputError": "simulation.allocation.allocate",
    "SparesOptions": "pollday.spares.api",
    "InitOptions": "pollday.scenario.init_command",
    "InitError": "pollday.scenario.init_command",
    "write_scenario": "pollday.scenario.init_command",
    # pollday run / capacity: the whole loop and the breaking point
    "RunConfig": "pollday.run.pipeline",
    "RunFailure": "pollday.harness.failure",
    "CapacityConfig": "pollday.capacity.config",
    "run_capacity": "pollday.capacity.pipeline",
    # errors every call may raise
    "ScenarioError": "simulation.scenario.loading",
    "OutFolderError": "pollday.simulate.outputs",
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
    from pollday.allocate.api import AllocateOptions, allocate_to_folder
    from pollday.capacity.config import CapacityConfig
    from pollday.capacity.pipeline import run_capacity
    from pollday.harness.failure import RunFailure
    from pollday.run.pipeline import RunConfig
    from pollday.run.pipeline import run as run_loop
    from pollday.scenario.init_command import InitError, InitOptions, write_scenario
    from pollday.scenario.validate import ValidateOptions, Validation, validate_scenario_file
    from pollday.simulate.api import SimulateOptions, SimulateResult, simulate_to_folder
    from pollday.simulate.outputs import OutFolderError
    from pollday.size.api import SizeInputError, SizeOptions
    from pollday.size.api import size as size_stations
    from pollday.spares.api import SparesOptions
    from pollday.spares.api import spares as count_spares
    from pollday.station.answer import StationAnswer
    from pollday.station.api import StationOptions, serve_station_page, station_answer
    from pollday.station.defaults import StationInputError
    from simulation.allocation.allocate import AllocationInputError
    from simulation.allocation.model import AllocationOutput
    from simulation.scenario.loading import ScenarioError
    from simulation.sizing.model import SizingOutput


def __getattr__(name: str) -> Any:
    home, attribute = _RENAMED.get(name, (_HOMES.get(name, ""), name))
    if not home:
        raise AttributeError(f"module 'pollday' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), attribute)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_RENAMED})
