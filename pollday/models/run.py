"""``summary.json`` of ``pollday run`` as a typed model: the simulated day's figures
(:class:`simulation.national.summary_model.SimulationSummary`), then every threshold verdict,
the load test, the replay, the audit and the closed loop (``docs/run.md`` and
``docs/outputs.md``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loadtests.results import AuditOutput, LoadTestOutput
from loadtests.thresholds import Verdict
from simulation.national.summary_model import SimulationSummary
from simulation.outputs.output_model import Number, Part


class Replay(Part):
    compress: float
    station_share: float
    events_after_window: int
    expected_s: float
    national_peak_checkins_per_min: float
    national_multiple: dict[str, float | None] = Field(
        description="which multiple of the national peaks the replay was (docs/capacity.md)")


class ClosedLoop(Part):
    measured: bool
    reason: str | None = Field(default=None, description="why nothing was measured")
    assumed_latency_mean_s: float | None = None
    measured_latency_mean_s: float | None = None
    assumed: dict[str, Number | None] | None = None
    with_measured_latency: dict[str, Number | None] | None = None


class RunSummary(SimulationSummary):
    """A completed ``pollday run`` (a run that failed before its verdicts writes the shorter
    summary of ``pollday.harness.failure_outputs``)."""

    thresholds: list[Verdict]
    verdict: Literal["met", "failed"]
    exit_code: int
    failure: str | None = Field(default=None, description="only when the generator failed")
    notes: list[str]
    loadtest: LoadTestOutput
    replay: Replay
    audit: AuditOutput
    closed_loop: ClosedLoop
    run_wall_s: float
