"""Request and response bodies of the public API (they also make /openapi.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

# Ids are printable ASCII without spaces: safe in URLs, logs and every database's TEXT.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
StationId = Annotated[str, Field(pattern=ID_PATTERN, examples=["PS00042"])]
VoterId = Annotated[str, Field(pattern=ID_PATTERN, examples=["100004200017"])]
IdempotencyKey = Annotated[str, Field(pattern=ID_PATTERN, examples=["7c1e9b0f-3f7a"])]
# Counts fit in a signed 64-bit column with room to add millions of them. Strict: a count is
# a JSON integer; 2.0, "2" and true (which would count as one vote) are refused.
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000_000)]


def _printable(text: str) -> str:
    # Control characters and lone surrogates would be refused by the database drivers (a 500);
    # refuse them here, as a 422 that says why.
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ValueError("must not contain control characters or lone surrogates")
    return text


CandidateName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]

# Scan times the service accepts. An election-day check-in is never outside this window, and
# bounding it keeps every date computation (UTC conversion, the station-local turnout hour)
# far from datetime's year 1 / year 9999 limits, where they overflow (a 500).
SCANNED_AT_MIN = datetime(2000, 1, 1, tzinfo=UTC)
SCANNED_AT_END = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive
SCANNED_AT_RANGE = "2000-01-01T00:00:00Z to 2100-12-31T23:59:59.999999Z (years 2000-2100, UTC)"


def _in_scan_range(value: datetime) -> datetime:
    # Comparing aware datetimes never overflows, unlike converting them to UTC.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not SCANNED_AT_MIN <= aware < SCANNED_AT_END:
        raise ValueError(f"scanned_at must be from {SCANNED_AT_RANGE}, got {value.isoformat()}")
    return value


ScannedAt = Annotated[datetime, AfterValidator(_in_scan_range), Field(
    description="when the station scanned the voter (ISO 8601); without a UTC offset it is "
    f"UTC; accepted range {SCANNED_AT_RANGE}, anything else is a 422",
    examples=["2026-11-28T09:30:00+04:00"],
)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckinRequest(Strict):
    voter_id: VoterId
    station_id: StationId
    template: str = Field(
        max_length=4096, description="base64 of the scanned biometric template (48 bytes)"
    )
    scanned_at: ScannedAt


class CheckinAccepted(BaseModel):
    checkin_id: str
    voter_id: str
    station_id: str
    accepted_at: str


class ErrorBody(BaseModel):
    error: str
    detail: str | list[dict[str, object]]
    first_station_id: str | None = None
    protocol_accepted_at: str | None = None
    first_accepted_at: str | None = None


class BatchItem(Strict):
    idempotency_key: IdempotencyKey
    voter_id: VoterId
    template: str = Field(max_length=4096)
    scanned_at: ScannedAt


# Items are validated one by one in the route, so a malformed item is that item's 422 and
# never refuses its batch; the schema still documents what an item must be.
RawBatchItem = Annotated[dict[str, Any], WithJsonSchema(BatchItem.model_json_schema())]


class BatchRequest(Strict):
    station_id: StationId
    items: list[RawBatchItem] = Field(min_length=1, max_length=500)


class BatchItemResult(BaseModel):
    idempotency_key: str | None = Field(
        description="the item's key, or null when a malformed item carried no usable key")
    status: int
    body: dict[str, object]


class BatchResponse(BaseModel):
    station_id: str
    results: list[BatchItemResult]


class ProtocolRequest(Strict):
    station_id: StationId
    ballots_issued: Count
    ballots_valid: Count
    ballots_invalid: Count
    votes: dict[CandidateName, Count] = Field(max_length=200)


class ProtocolAccepted(BaseModel):
    station_id: str
    accepted_at: str
    replayed: bool


class CandidateResult(BaseModel):
    name: str
    votes: int
    share: float = Field(description="share of valid ballots counted so far, 0..1")


class Results(BaseModel):
    scope: str
    constituency_id: int | None
    stations_reported: int
    stations_total: int
    stations_reported_share: float
    ballots_counted: int
    ballots_valid: int
    ballots_invalid: int
    checkins_accepted: int
    ballots_processed_share: float = Field(
        description="ballots counted in accepted protocols / check-ins accepted in scope"
    )
    candidates: list[CandidateResult]
    results_version: int


class TurnoutHour(BaseModel):
    hour_local: str = Field(description="station-local hour, 'YYYY-MM-DDTHH:00'")
    checkins: int
    cumulative: int
    turnout_share: float


class TurnoutSeries(BaseModel):
    registered: int
    checkins: int
    hours: list[TurnoutHour]


class ConstituencyTurnout(TurnoutSeries):
    constituency_id: int
    name: str


class Turnout(BaseModel):
    national: TurnoutSeries
    constituencies: list[ConstituencyTurnout]


class StreamInfo(BaseModel):
    station_id: str
    constituency_id: int
    snapshot_url: str


class Streams(BaseModel):
    streams: list[StreamInfo]


class AuditCounters(BaseModel):
    checkins_accepted: int
    distinct_voters_accepted: int
    refused_duplicates: int
    idempotent_replays: int
    checkins_away_from_home: int = Field(
        description="accepted check-ins of voters registered at another station (policy: "
        "accepted and flagged for the audit)")
    protocols_accepted: int
    voters_registered: int
    stations: int


class ImportSummary(BaseModel):
    lines: int
    elections: int
    constituencies: int
    stations: int
    voters: int


class Health(BaseModel):
    status: str
    database: str
    detail: str | None = Field(default=None, description="why writes fail (503 only)")
