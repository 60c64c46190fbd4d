"""``loadtest.json`` and the audit's figures as typed models (``docs/loadtests.md`` says what
every field means; :mod:`loadtests.output` and :mod:`loadtests.audit` compute them).

``loadtest.json`` is written by the Locust process and read by the orchestrator: both sides
use :class:`LoadTestOutput`, so a field one side writes and the other does not know is an
error in the tests, not a silent ``None`` in a run. Its ``format`` was 2 before it had a
model (2: ``endpoints[...].over_time``; format 1 files lack it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from simulation.outputs.output_model import Output, Part

MaybeMs = float | None  # a latency quantile; None when nothing was measured


class EndpointResults(Part):
    figure: str = Field(description="the figure group (threshold alias) or the endpoint key")
    requests: int
    attempts: int
    retries: int
    statuses: dict[str, int]
    errors: dict[str, int]
    error_count: int
    error_rate: float
    p50_ms: MaybeMs = None
    p95_ms: MaybeMs = None
    p99_ms: MaybeMs = None
    max_ms: MaybeMs = None
    p50_ms_intended: MaybeMs = None
    p95_ms_intended: MaybeMs = None
    p99_ms_intended: MaybeMs = None
    max_ms_intended: MaybeMs = None
    item_statuses: dict[str, int] | None = Field(default=None, description="batch items")
    over_time: dict[str, Any] | None = Field(
        default=None, description="per-bin series (format 2; not in summary.json)")
    hdr_send: str | None = Field(default=None, description="base64 HdrHistogram")
    hdr_intended: str | None = None


class GeneratorResults(Part):
    workers: int
    lag_p50_ms: MaybeMs
    lag_p99_ms: MaybeMs
    lag_max_ms: MaybeMs
    scheduled_events: int
    fired_events: int
    dropped_events: int
    scheduled_jobs: int
    fired_jobs: int
    finished_jobs: int
    public_scheduled: int
    duplicates_without_candidate: int
    snapshot_skipped_no_streams: int
    abandoned_in_flight: int
    harness_errors: int
    missing_workers: int
    first_send_s: float | None
    last_answer_s: float | None
    # What the replay did without, for a target that lacks a kind of request (the adapter's
    # ``absent``, a mapping file's ``absent``: docs/adapters.md); 0 in files written before.
    sync_items_sent_single: int = Field(
        default=0, description="check-ins of offline stations' syncs sent one by one (absent "
        "batch)")
    results_skipped_absent: int = Field(default=0, description="results reads not sent "
                                        "(absent results)")
    protocol_skipped_absent: int = Field(default=0, description="protocol uploads not sent "
                                         "(absent protocol)")
    failed_protocol_skipped_absent: int = Field(
        default=0, description="failed protocol upload attempts not sent (absent protocol)")
    hdr_lag: str | None = Field(default=None, description="base64 HdrHistogram")


class Rate(Part):
    bin_s: float
    scheduled_rps: list[float]
    achieved_rps: list[float]


class LatencySample(Part):
    endpoint: str
    from_: str = Field(alias="from")
    count: int
    percentiles: list[int]
    values_ms: list[float | None]


class LedgerFile(Part):
    file: str
    lines: int


class TargetOutage(Part):
    down_at_s: float
    up_again_at_s: float | None
    failed_to_connect: int


class LoadTestOutput(Output):
    """What one Locust run measured (``loadtest/loadtest.json``)."""

    FORMAT = 2
    FILE = "loadtest.json"

    endpoints: dict[str, EndpointResults] = Field(default_factory=dict)
    generator: GeneratorResults | None = None
    rate: Rate | None = Field(default=None, description="not in summary.json")
    checkin_latency_ms: LatencySample | None = None
    ledger: LedgerFile | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    target_outage: TargetOutage | None = Field(
        default=None, description="when the target stopped answering (summary.json only)")
    notes: list[str] = Field(
        default_factory=list, description="what the figures leave out: a generator worker "
        "lost (which, when, how many stations), kinds of request the target lacks and the "
        "replay skipped")


class AuditOutput(Output):
    """The audit after the load (``summary.json`` ``audit``, without ``format`` there).

    ``level`` says which audit ran (``--audit``, :mod:`loadtests.audit.levels`): a figure the
    level could not measure is null, never 0 (an older summary without ``level`` is ``full``).
    """

    FILE = "summary.json audit"

    level: Literal["full", "answers", "none"] = Field(
        default="full", description="--audit: full (the admin contract), answers (the "
        "harness's ledger only) or none")
    lost_checkins: int | None = Field(default=None, description="null: not measured")
    ledger_unconfirmed: int | None = Field(default=None, description="null: not measured")
    double_acceptances: int | None = Field(
        default=None, description="the target's counters plus the ledger; null: not measured")
    duplicates_accepted: int | None = Field(default=None, description="null: not measured")
    results_mismatch: int | None = Field(default=None, description="null: not measured")
    acknowledged_checkins: int | None = None
    server_counters: dict[str, Any] | None = Field(
        default=None, description="the target's own counters (not in summary.json)")
    protocols_accepted_by_harness: int | None = None
    result_votes: dict[str, int] | None = None
    protocol_votes: dict[str, int] | None = None
    double_acceptances_seen_by_harness: int | None = Field(
        default=None, description="voters the harness saw answered 201 under two or more "
        "idempotency keys (a lower bound of double_acceptances)")
    idempotency_conflicts: int | None = Field(
        default=None, description="idempotency keys the ledger holds with different answers")
    checkin_ids_shared: int | None = Field(
        default=None, description="check-in ids the target gave to two or more voters")
    duplicates_refused: int | None = Field(
        default=None, description="duplicate-vote attempts answered 409 (refused as already "
        "voted)")
    statuses: dict[str, dict[str, int]] | None = Field(
        default=None, description="answers in the ledger, by kind and HTTP status")
    not_measured: list[str] | None = Field(
        default=None, description="the audit figures this level could not measure")
