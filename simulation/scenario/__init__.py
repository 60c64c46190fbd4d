"""The scenario: what a TOML file may say, how it is read, checked and explained."""

from simulation.scenario.distributions import Distribution
from simulation.scenario.lint import scenario_warnings
from simulation.scenario.loading import Problem, ScenarioError, load_scenario, parse_scenario
from simulation.scenario.model import Failures, Scenario, Stage, Standard, StationGroup
from simulation.scenario.rules import Rule, RuleSyntaxError

__all__ = [
    "Distribution",
    "Failures",
    "Problem",
    "Rule",
    "RuleSyntaxError",
    "Scenario",
    "ScenarioError",
    "Stage",
    "Standard",
    "StationGroup",
    "load_scenario",
    "parse_scenario",
    "scenario_warnings",
]
