"""Scenario files as every pollday command reads them: the schema and the thresholds' figure
names (the catalogue, :mod:`loadtests.figures`) validated in one pass, before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.thresholds import check_figure
from simulation import Scenario
from simulation import load_scenario as _load
from simulation import parse_scenario as _parse


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; :class:`simulation.ScenarioError` on any problem."""
    return _load(path, check_figure=check_figure)


def parse_scenario(data: dict[str, Any], *, file: str = "<scenario>") -> Scenario:
    return _parse(data, file=file, check_figure=check_figure)
