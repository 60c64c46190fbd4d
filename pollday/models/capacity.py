"""``capacity.json`` of ``pollday capacity`` as a typed model (``docs/capacity.md`` says what
every field means; :mod:`pollday.capacity.output` writes it, the report reads it).

A level (:class:`CapacityLevel`) is this model from where it is made
(:mod:`pollday.capacity.record`) through the search, the judgement and the output to the
report. Its file is what was given: :meth:`Output.as_json` leaves out the fields a writer did
not set (``side`` of a level that ran, ``connections`` of one that did not), and a level not
run has empty ``generator`` and ``audit`` objects.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loadtests.audit.levels import AuditLevel
from loadtests.thresholds import Verdict
from simulation.outputs.output_model import Output, Part

LevelVerdict = Literal["held", "failed", "generator-bound", "not-measured"]
Side = Literal["low", "high"]  # which side of the measurable multiples a level fell off


class LevelRuleFigures(Part):
    """What a level needs to be judged (docs/capacity.md, "When a level counts")."""

    min_requests: int = Field(description="check-ins a level must schedule")
    min_s: float = Field(description="seconds a level must replay")
    rate_ratio: float = Field(description="achieved / offered below this: not held")
    latency_limit_s: float = Field(description="the largest check-in latency limit (0: none)")


class EndpointFigures(Part):
    """An endpoint figure group's figures at one level (from its ``loadtest.json``)."""

    requests: int | None
    error_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    p50_ms_intended: float | None
    p95_ms_intended: float | None
    p99_ms_intended: float | None
    max_ms_intended: float | None


class GeneratorFigures(Part):
    """The generator's own figures at one level; empty for a level not run."""

    workers: int | None = None
    lag_p50_ms: float | None = None
    lag_p99_ms: float | None = None
    lag_max_ms: float | None = None
    scheduled_events: int | None = None
    fired_events: int | None = None
    dropped_events: int | None = None
    abandoned_in_flight: int | None = None


class AuditFigures(Part):
    """The audit after one level; empty for a level not run. A figure the audit level
    (--audit) could not measure is null."""

    level: AuditLevel | None = None
    lost_checkins: int | None = None
    ledger_unconfirmed: int | None = None
    double_acceptances: int | None = None
    duplicates_accepted: int | None = None
    results_mismatch: int | None = None
    duplicates_refused: int | None = None
    double_acceptances_seen_by_harness: int | None = None
    idempotency_conflicts: int | None = None
    checkin_ids_shared: int | None = None


class CapacityLevel(Part):
    """One level of the search: its plan, verdict, rates and figures."""

    index: int = Field(description="1 for the first level run")
    multiple: float = Field(description="of the window's real rate")
    checkins_per_s: float | None = Field(default=None, description="check-ins per second "
                                         "offered (multiple x the window's national rate)")
    ran: bool = Field(default=True, description="false: not measurable at this multiple, "
                      "never sent (see not_measured)")
    stations: int | None = None
    share_of_load: float | None = Field(default=None, description="of the window's load")
    compress: float | None = Field(default=None, description="the replay's time compression")
    passes: int | None = Field(default=None, description="times each station's window is "
                               "replayed (with fresh voters)")
    replay_s: float | None = None
    checkins_scheduled: int | None = None
    rule: LevelRuleFigures | None = None
    folder: str | None = Field(default=None, description="the level's own folder")
    verdict: LevelVerdict = Field(
        description="held: every threshold met; failed: the target failed one (or answered "
        "below rate_ratio x the offer); generator-bound: the generator's own figures failed; "
        "not-measured: too few requests or too short to judge")
    failing: list[str] = Field(default_factory=list, description="the rules that failed")
    not_measured: str | None = Field(default=None, description="why the level says nothing")
    side: Side | None = Field(default=None, description="a level not run: its rate is too "
                              "low (low) or too high (high) to be judged")
    offered_rps: float | None = Field(default=None, description="null: not run")
    achieved_rps: float | None = Field(default=None, description="null: not run")
    endpoints: dict[str, EndpointFigures] = Field(
        default_factory=dict, description="by figure group (checkin, batch, ...)")
    generator: GeneratorFigures = Field(default_factory=GeneratorFigures)
    audit: AuditFigures = Field(default_factory=AuditFigures)
    thresholds: list[Verdict] = Field(default_factory=list, description="the thresholds it "
                                      "judged, the implicit generator lag check and the rate")
    unmeasured: list[str] = Field(default_factory=list, description="thresholds on figures "
                                  "--audit did not measure: held on the others only")
    not_exercised: list[str] = Field(default_factory=list, description="thresholds on "
                                     "endpoints the level never called")
    not_judged: list[str] = Field(default_factory=list, description="thresholds with too "
                                  "few requests of their endpoint, and why")
    connections: int | None = Field(default=None, description="the generator's keep-alive "
                                    "connections (a level that ran)")


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
    rule: LevelRuleFigures | None = Field(
        default=None, description="what a level needs to be judged (docs/capacity.md): "
        "min_requests (check-ins), min_s, rate_ratio, latency_limit_s")
    settings: Settings
    levels: list[CapacityLevel] = Field(
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
