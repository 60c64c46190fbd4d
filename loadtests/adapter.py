"""From replay events to HTTP requests, and from answers back to outcomes.

:class:`Adapter` speaks the reference service's contract (``service/``). A service with other
paths or payloads gets its own adapter: subclass :class:`Adapter`, override what differs, and
name it with ``--adapter module:Class`` (or ``adapter = module:Class`` in ``locust.conf``).
``docs/loadtests.md`` has a worked example. A plain JSON API needs no Python: a mapping
file (``--adapter targets/mysvc.toml``, docs/adapters.md) describes it as data. Adapters
build plain data (:class:`HttpRequest`); the sender does the HTTP, the timeouts and the
retries, so an adapter never imports locust.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from loadtests.register import synthetic as register
from simulation import Scenario
from simulation.errors import InputError


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    name: str  # the label in Locust's statistics and in loadtest.json (with the method)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expected: frozenset[int] = frozenset({200})  # answers that are not errors


@dataclass(frozen=True)
class CheckinItem:
    """One check-in attempt (alone, or one item of a sync batch)."""

    station: int
    station_id: str
    voter: int
    home_station: int  # where the voter is registered (another station for a duplicate)
    voter_id: str
    template_b64: str
    scanned_at: datetime
    idempotency_key: str
    duplicate: bool


@dataclass(frozen=True)
class ProtocolCounts:
    station: int
    station_id: str
    ballots_issued: int
    ballots_valid: int
    ballots_invalid: int
    votes: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"ballots_issued": self.ballots_issued, "ballots_valid": self.ballots_valid,
                "ballots_invalid": self.ballots_invalid, "votes": self.votes}


@dataclass(frozen=True)
class Answer:
    status: int  # HTTP status of this item (0: none)
    checkin_id: str | None = None


@dataclass(frozen=True)
class AdapterContext:
    scenario: Scenario
    secret: str


class AdapterError(InputError, ValueError):
    """An adapter spec that cannot be loaded."""


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


class Adapter:
    """The reference service's dialect (see ``service/routes``)."""

    CHECKIN = "/v1/checkins"
    BATCH = "/v1/checkins/batch"
    PROTOCOL = "/v1/protocols"
    RESULTS = "/v1/results"
    STREAMS = "/v1/streams"
    SNAPSHOT = "/v1/streams/[station]/snapshot"
    DUPLICATE_SUFFIX = " (duplicate)"
    FAILED_ATTEMPT_SUFFIX = " (failed attempt)"
    # Answers a station client retries with the same Idempotency-Key (besides timeouts).
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})
    # Threshold aliases of this adapter's own endpoint keys ("METHOD name"), on top of the
    # reference ones: {"PUT /api/v2/voters/[id]/checkin": "checkin"} lets `checkin.p95_ms`
    # and the closed loop measure that endpoint.
    figures: ClassVar[dict[str, str]] = {}
    # Request kinds the target does not have; the replay does without them (a mapping
    # file's ``absent``): "batch" (syncs sent as single check-ins), "protocol",
    # "failed_protocol", "results", "streams" (skipped and counted in loadtest.json).
    absent: frozenset[str] = frozenset()

    def __init__(self, context: AdapterContext) -> None:
        self.context = context
        self._tokens: dict[str, str] = {}

    def voter_id(self, home_station: int, voter: int) -> str:
        """The id the target knows voter ``voter`` of station index ``home_station`` by
        (default: pollday's synthetic register, which ``pollday register`` writes)."""
        return register.voter_id(home_station, voter)

    def station_token(self, station_id: str) -> str:
        """The station's bearer token: HMAC-SHA256 of its id under the secret (hex)."""
        token = self._tokens.get(station_id)
        if token is None:
            token = self._tokens[station_id] = hmac.new(
                self.context.secret.encode(), station_id.encode(), hashlib.sha256).hexdigest()
        return token

    def station_headers(self, station_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.station_token(station_id)}",
                "Content-Type": "application/json"}

    # -- check-ins --------------------------------------------------------------------------
    def checkin(self, item: CheckinItem) -> HttpRequest:
        headers = self.station_headers(item.station_id)
        headers["Idempotency-Key"] = item.idempotency_key
        body = {"voter_id": item.voter_id, "station_id": item.station_id,
                "template": item.template_b64, "scanned_at": item.scanned_at.isoformat()}
        if item.duplicate:
            return HttpRequest("POST", self.CHECKIN, self.CHECKIN + self.DUPLICATE_SUFFIX,
                               headers, _json(body), frozenset({409}))
        return HttpRequest("POST", self.CHECKIN, self.CHECKIN, headers, _json(body),
                           frozenset({201}))

    def parse_checkin(self, item: CheckinItem, status: int, body: bytes) -> Answer:
        if status == 201:
            return Answer(status, str(json.loads(body)["checkin_id"]))
        return Answer(status)

    def batch(self, station_id: str, items: list[CheckinItem]) -> HttpRequest:
        body = {"station_id": station_id, "items": [
            {"idempotency_key": i.idempotency_key, "voter_id": i.voter_id,
             "template": i.template_b64, "scanned_at": i.scanned_at.isoformat()}
            for i in items]}
        return HttpRequest("POST", self.BATCH, self.BATCH, self.station_headers(station_id),
                           _json(body), frozenset({200}))

    def parse_batch(self, items: list[CheckinItem], status: int, body: bytes) -> list[Answer]:
        """One answer per item, in the order of ``items`` (status 0 if the batch failed)."""
        if status != 200:
            return [Answer(0) for _ in items]
        by_key = {r["idempotency_key"]: r for r in json.loads(body)["results"]}
        out = []
        for item in items:
            r = by_key.get(item.idempotency_key)
            if r is None:
                out.append(Answer(0))
            else:
                st = int(r["status"])
                out.append(Answer(st, str(r["body"]["checkin_id"]) if st == 201 else None))
        return out

    # -- protocols --------------------------------------------------------------------------
    def protocol(self, counts: ProtocolCounts) -> HttpRequest:
        body = {"station_id": counts.station_id, **counts.as_dict()}
        return HttpRequest("POST", self.PROTOCOL, self.PROTOCOL,
                           self.station_headers(counts.station_id), _json(body),
                           frozenset({200, 201}))

    def failed_protocol(self, counts: ProtocolCounts, attempt: int) -> HttpRequest:
        """An upload attempt the simulation decided fails (the schedule's PROTOCOL_FAILED).

        The request really reaches the target, as a station's retry does (the load of a
        retry storm is the point), but must change nothing: the counts are sent with one
        ballot too many in ``ballots_valid``, which the votes then do not add up to, and the
        reference service refuses them with 422 ``protocol_does_not_add_up`` before storing
        anything. Its answer is recorded under its own endpoint name; a target that accepts
        it is answering other than expected (an error). ``X-Upload-Attempt`` carries the
        attempt number (1 = the first)."""
        body = {"station_id": counts.station_id, **counts.as_dict()}
        body["ballots_valid"] = counts.ballots_valid + 1
        headers = {**self.station_headers(counts.station_id), "X-Upload-Attempt": str(attempt)}
        return HttpRequest("POST", self.PROTOCOL, self.PROTOCOL + self.FAILED_ATTEMPT_SUFFIX,
                           headers, _json(body), frozenset({422}))

    # -- public reads -----------------------------------------------------------------------
    def results(self) -> HttpRequest:
        return HttpRequest("GET", self.RESULTS, self.RESULTS, {}, None, frozenset({200, 304}))

    def streams(self) -> HttpRequest:
        return HttpRequest("GET", self.STREAMS, self.STREAMS)

    def parse_streams(self, status: int, body: bytes) -> list[str]:
        if status != 200:
            return []
        return [str(s["station_id"]) for s in json.loads(body)["streams"]]

    def snapshot(self, station_id: str) -> HttpRequest:
        return HttpRequest("GET", f"/v1/streams/{station_id}/snapshot", self.SNAPSHOT)
