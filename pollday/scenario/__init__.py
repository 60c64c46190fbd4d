"""Scenario files as commands meet them: ``init``, ``schema``, ``validate``."""

from pollday.scenario.file import load_scenario, parse_scenario
from pollday.scenario.validate import ValidateOptions, Validation, validate_scenario_file

__all__ = [
    "ValidateOptions",
    "Validation",
    "load_scenario",
    "parse_scenario",
    "validate_scenario_file",
]
