"""``capacity.json`` of ``pollday capacity`` as a typed model (``docs/capacity.md`` says what
every field means; :mod:`pollday.capacity.output` writes it, the report reads it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from loadtests.thresholds import Verdict
from simulation.outputs.output_model import Output, Part


class Capacity(Part):
    multiple: float | None = Field(description="the highest multiple that held (capacity.multiple)")
    bracket: list[float | None] = Field(description="[held, failed]")
    outcome: str
    first_to_break: list[str]
    generator_bound_at: float | None
    not_measured_at: float | None = Field(
        default=None, description="the lowest multiple above what held that could not be "
        "judged (too few requests or too short, see levels[].not_measured)")
    checkins_per_s: float | None = Field(
        default=None, description="check-ins per second at `multiple` (multiple x the "
        "window's national rate)")


class NationalPeak(Part):
    checkins_per_min: float
    span_min: float
    starts_s: float


class Window(Part):
    label: str
    auto: bool
    start_s: float
    end_s: float
    checkins_per_min: float


class Settings(Part):
    start_multiple: float
    ramp_factor: float
    max_multiple: float
    precision: float
    level_s: float
    max_level_s: float | None = Field(default=None, description="--max-level-s")
    workers: int
    host: str
    database: str | None = Field(default=None, description="the embedded service's: sqlite "
                                 "or postgresql (--database-url); null with --host")
    target_cpus: list[int] | None = Field(default=None, description="--target-cpus; null: "
                                          "not pinned")
    generator_cpus: list[int] | None = Field(default=None, description="--generator-cpus; "
                                             "null: not pinned")
    audit: Literal["full", "answers", "none"] = Field(
        default="full", description="--audit: what each level's audit measured")
    adapter: str | None = Field(default=None, description="--adapter; null: the scenario's "
                                "loadtest.adapter")


class CapacityOutput(Output):
    FORMAT = 1
    FILE = "capacity.json"

    scenario: str
    headline: str
    capacity: Capacity
    national_peak: NationalPeak | None = Field(default=None, description="absent on failure")
    window: Window | None = None
    stations: int | None = None
    target: str | None = Field(default=None, description="what was measured: the --host URL "
                               "or the embedded reference service, its database and CPUs")
    rule: dict[str, Any] | None = Field(
        default=None, description="what a level needs to be judged (docs/capacity.md): "
        "min_requests (check-ins), min_s, rate_ratio, latency_limit_s")
    settings: Settings
    levels: list[dict[str, Any]] = Field(
        description="each level tried, in order (docs/capacity.md): multiple, verdict, failing, "
        "rates, endpoints, generator, audit, thresholds")
    unmeasured: list[str] = Field(
        default_factory=list, description="thresholds some level could not measure "
        "(--audit answers or none): a level held on the other thresholds only")
    thresholds: list[Verdict]
    verdict: Literal["met", "failed"]
    exit_code: int
    wall_s: float
    failure: str | None = None
