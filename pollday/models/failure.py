"""``summary.json`` of a run that ended before its verdicts, as a typed model (written by
:mod:`pollday.harness.failure_outputs`; ``docs/outputs.md``).

A run that failed after its simulation keeps the simulation's figures: that file is a
:class:`SimulatedThenFailed` (every field of :class:`SimulationSummary` plus the failure's);
one that failed earlier (bad input, an interruption, ``pollday capacity``) is a
:class:`FailureSummary`.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from loadtests.thresholds import Verdict
from simulation.national.summary_model import SimulationSummary
from simulation.outputs.output_model import Output, Part

Stage = Literal[
    "preflight", "simulation", "load test", "audit", "report", "interrupted", "internal"]
STAGES: tuple[str, ...] = get_args(Stage)


class FailureFields(Part):
    command: Literal["run", "capacity"]
    scenario: str = Field(description="the scenario file's name without .toml")
    verdict: Literal["failed"]
    exit_code: int
    failure: str = Field(description="what happened")
    failure_stage: Stage = Field(description="where the run stopped")
    thresholds: list[Verdict] = Field(description="always empty: nothing was judged")
    finished_at: str = Field(description="UTC, ISO 8601, to the second")
    run_wall_s: float


class FailureSummary(FailureFields, Output):
    """A run or capacity search that failed before it had a simulation."""

    FILE = "summary.json (failed run)"


class SimulatedThenFailed(FailureFields, SimulationSummary):
    """A run that failed after its simulation: the simulated day's figures, then the failure."""

    FILE = "summary.json (failed run)"
