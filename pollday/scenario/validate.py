"""``pollday validate`` as a library call: :func:`validate_scenario_file` with typed
:class:`ValidateOptions`; the CLI only parses and prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pollday.scenario.file import load_scenario
from simulation import Scenario
from simulation.scenario.lint import scenario_warnings

__all__ = ["ValidateOptions", "Validation", "validate_scenario_file"]


@dataclass(frozen=True)
class ValidateOptions:
    scenario: Path
    strict: bool = False  # warnings are problems too


@dataclass(frozen=True)
class Validation:
    scenario: Scenario
    warnings: list[str]
    failed: bool  # --strict and at least one warning

    @property
    def stations(self) -> int:
        return sum(g.count for g in self.scenario.station_groups)


def validate_scenario_file(options: ValidateOptions) -> Validation:
    """The scenario and its warnings; :class:`simulation.ScenarioError` listing every problem
    when the file is invalid (schema and threshold figure names, one pass)."""
    scenario = load_scenario(options.scenario)
    warnings = scenario_warnings(scenario)
    return Validation(scenario, warnings, failed=bool(options.strict and warnings))
