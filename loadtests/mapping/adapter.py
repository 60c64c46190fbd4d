"""The :class:`~loadtests.adapter.Adapter` a mapping file describes.

:func:`mapped_adapter_class` turns a compiled :class:`TargetMapping` into a subclass of
``Adapter``, so the replay and the sender use it as any Python adapter. Answers are told in
the reference's vocabulary, which the ledger and the audit read: an ``accepted`` status is
recorded as 201 with the check-in id found at ``checkin_id``, an ``already_voted`` one as
409; any other status as answered, except a refusal answered 201 or 409 (recorded as 422, so
it is never read as an acceptance or a duplicate refused).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from loadtests.adapter import (
    Adapter,
    AdapterContext,
    Answer,
    CheckinItem,
    HttpRequest,
    ProtocolCounts,
)
from loadtests.mapping.loading import CompiledRequest, TargetMapping
from loadtests.mapping.model import Checkin
from loadtests.mapping.templates import render_body
from loadtests.mapping.voters import OwnVoters, read_own_voters

__all__ = ["ACCEPTED", "ALREADY_VOTED", "MappedAdapter", "json_pointer", "mapped_adapter_class"]

ACCEPTED = 201  # the ledger's statuses (the reference service's)
ALREADY_VOTED = 409
REFUSED_CLASH = 422  # a refusal whose own status is one of the two above


def json_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer (``""`` = the document); KeyError when absent."""
    if pointer == "":
        return document
    value = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            raise KeyError(pointer)
    return value


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _found_id(document: Any, pointer: str | None) -> str | None:
    if pointer is None or document is None:
        return None
    try:
        value = json_pointer(document, pointer)
    except KeyError:
        return None
    return None if value is None or isinstance(value, dict | list) else str(value)


class MappedAdapter(Adapter):
    """An adapter built from a mapping file (``mapping`` is set by mapped_adapter_class)."""

    mapping: ClassVar[TargetMapping]
    voters_read: ClassVar[OwnVoters | None]  # the voters CSV, read once with the mapping

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        spec = self.mapping.spec
        self.retry_statuses = frozenset(spec.retry)
        absent: set[str] = set(spec.absent)
        if spec.protocol is None or not spec.protocol.failed_attempt:
            absent.add("failed_protocol")
        self.absent = frozenset(absent)
        self.own_voters: OwnVoters | None = None
        if self.voters_read is not None:
            own = OwnVoters(self.voters_read.file, self.voters_read.ids)
            own.check(context.scenario)
            self.own_voters = own

    def voter_id(self, home_station: int, voter: int) -> str:
        if self.own_voters is None:
            return super().voter_id(home_station, voter)
        return self.own_voters.voter_id(home_station, voter)

    # -- building -------------------------------------------------------------------------
    def _station_values(self, station: int, station_id: str) -> dict[str, Any]:
        return {"station_id": station_id, "station_index": station,
                "station_token": self.station_token(station_id)}

    def _request(self, req: CompiledRequest, values: Mapping[str, Any],
                 expected: frozenset[int], suffix: str = "", station: bool = True
                 ) -> HttpRequest:
        headers = {k: t.render(values) for k, t in self.mapping.station_headers.items()
                   } if station else {}
        headers.update({k: t.render(values) for k, t in req.headers.items()})
        body = None
        if req.body is not None:
            body = json.dumps(render_body(req.body, values), separators=(",", ":")).encode()
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        return HttpRequest(req.method, req.path.render(values), req.name + suffix, headers,
                           body, expected)

    def _item_values(self, item: CheckinItem) -> dict[str, Any]:
        return {**self._station_values(item.station, item.station_id),
                "voter_id": item.voter_id, "template": item.template_b64,
                "scanned_at": item.scanned_at.isoformat(),
                "idempotency_key": item.idempotency_key, "duplicate": item.duplicate}

    def checkin(self, item: CheckinItem) -> HttpRequest:
        spec = self.mapping.spec.checkin
        if item.duplicate:
            return self._request(self.mapping.requests["checkin"], self._item_values(item),
                                 frozenset(spec.already_voted), self.DUPLICATE_SUFFIX)
        return self._request(self.mapping.requests["checkin"], self._item_values(item),
                             frozenset(spec.accepted))

    def batch(self, station_id: str, items: list[CheckinItem]) -> HttpRequest:
        spec = self.mapping.spec.batch
        item_body = self.mapping.batch_item
        if spec is None or item_body is None:
            raise RuntimeError("the mapping has no [batch]: the replay sends single check-ins")
        values = {**self._station_values(items[0].station, station_id),
                  "items": [render_body(item_body, self._item_values(i)) for i in items]}
        return self._request(self.mapping.requests["batch"], values, frozenset(spec.accepted))

    def _protocol_values(self, counts: ProtocolCounts, attempt: int) -> dict[str, Any]:
        return {**self._station_values(counts.station, counts.station_id), **counts.as_dict(),
                "attempt": attempt}

    def protocol(self, counts: ProtocolCounts) -> HttpRequest:
        spec = self.mapping.spec.protocol
        assert spec is not None, "the replay skips protocols a mapping declares absent"
        return self._request(self.mapping.requests["protocol"],
                             self._protocol_values(counts, 0), frozenset(spec.accepted))

    def failed_protocol(self, counts: ProtocolCounts, attempt: int) -> HttpRequest:
        """The reference's trick (see Adapter.failed_protocol): one valid ballot too many,
        so the counts do not add up and the target must refuse them before storing."""
        spec = self.mapping.spec.protocol
        assert spec is not None, "the replay skips protocols a mapping declares absent"
        values = self._protocol_values(counts, attempt)
        values["ballots_valid"] = counts.ballots_valid + 1
        return self._request(self.mapping.requests["protocol"], values,
                             frozenset(spec.failed_attempt), self.FAILED_ATTEMPT_SUFFIX)

    def results(self) -> HttpRequest:
        spec = self.mapping.spec.results
        assert spec is not None, "the replay skips results reads a mapping declares absent"
        return self._request(self.mapping.requests["results"], {}, frozenset(spec.accepted),
                             station=False)

    def streams(self) -> HttpRequest:
        return self._request(self.mapping.requests["streams"], {}, frozenset({200}),
                             station=False)

    def snapshot(self, station_id: str) -> HttpRequest:
        assert self.mapping.snapshot is not None
        return self._request(self.mapping.snapshot, {"station_id": station_id},
                             frozenset({200}), station=False)

    # -- answers --------------------------------------------------------------------------
    def _classify(self, status: int, document: Any, id_pointer: str | None) -> Answer:
        spec: Checkin = self.mapping.spec.checkin
        if status in spec.accepted:
            return Answer(ACCEPTED, _found_id(document, id_pointer))
        if status in spec.already_voted:
            return Answer(ALREADY_VOTED)
        return Answer(REFUSED_CLASH if status in (ACCEPTED, ALREADY_VOTED) else status)

    def parse_checkin(self, item: CheckinItem, status: int, body: bytes) -> Answer:
        pointer = self.mapping.spec.checkin.checkin_id
        if status in self.mapping.spec.checkin.accepted and pointer is not None:
            return self._classify(status, _parsed(body), pointer)
        return self._classify(status, None, None)

    def parse_batch(self, items: list[CheckinItem], status: int, body: bytes) -> list[Answer]:
        spec = self.mapping.spec.batch
        if spec is None or status not in spec.accepted:
            return [Answer(0) for _ in items]
        try:
            answers = json_pointer(_parsed(body), spec.results)
        except KeyError:
            answers = None
        if not isinstance(answers, list):
            return [Answer(0) for _ in items]
        out = []
        for k in range(len(items)):
            try:
                item_status = int(json_pointer(answers[k], spec.item_status))
            except (IndexError, KeyError, TypeError, ValueError):
                out.append(Answer(0))
                continue
            out.append(self._classify(item_status, answers[k], spec.item_checkin_id))
        return out

    def parse_streams(self, status: int, body: bytes) -> list[str]:
        spec = self.mapping.spec.streams
        if spec is None or status != 200:
            return []
        try:
            streams = json_pointer(_parsed(body), spec.array)
        except KeyError:
            return []
        found = (_found_id(s, spec.station_id) for s in streams) if isinstance(
            streams, list) else ()
        return [s for s in found if s is not None]


def _figures(mapping: TargetMapping) -> dict[str, str]:
    """This mapping's endpoint keys -> the reference figure groups (checkin.p95_ms...)."""
    r = mapping.requests
    out: dict[str, str] = {}

    def add(kind: str, group: str, suffix: str = "") -> None:
        if kind in r:
            out[f"{r[kind].method} {r[kind].name}{suffix}"] = group

    add("checkin", "checkin")
    add("checkin", "duplicate", Adapter.DUPLICATE_SUFFIX)
    add("batch", "batch")
    add("protocol", "protocol")
    add("protocol", "protocol_failed", Adapter.FAILED_ATTEMPT_SUFFIX)
    add("results", "results")
    add("streams", "streams")
    if mapping.snapshot is not None:
        out[f"GET {mapping.snapshot.name}"] = "snapshot"
    return out


def mapped_adapter_class(mapping: TargetMapping) -> type[MappedAdapter]:
    """A subclass of :class:`MappedAdapter` bound to ``mapping`` (its voters CSV read now:
    a malformed one is bad input before any traffic)."""
    voters = read_own_voters(mapping.voters) if mapping.voters is not None else None
    attrs: dict[str, Any] = {"mapping": mapping, "figures": _figures(mapping),
                             "voters_read": voters, "__module__": __name__}
    return type(f"MappedAdapter[{mapping.file.name}]", (MappedAdapter,), attrs)
