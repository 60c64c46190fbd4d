"""The schema of a mapping file (pydantic, ``extra="forbid"``): one table per request kind.

docs/adapters.md is the reference; the field descriptions below are its short form. The
fields a template of each kind may use are :data:`FIELDS` (plus ``{env:NAME}`` anywhere).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FIELDS",
    "OPTIONAL_KINDS",
    "Batch",
    "Checkin",
    "MappingFile",
    "Protocol",
    "Results",
    "Streams",
]

Status = Annotated[int, Field(ge=100, le=599, description="an HTTP status code")]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Pointer = Annotated[str, Field(pattern=r"^(/.*)?$",
                               description='a JSON pointer ("/checkin/id"; "" = the whole)')]
Path = Annotated[str, Field(pattern=r"^/", description="a path template, from /")]
Headers = dict[str, str]
JsonBody = dict[str, Any] | list[Any] | None

OPTIONAL_KINDS = ("batch", "protocol", "results", "streams")

_STATION = ("station_id", "station_index", "station_token")
_ITEM = (*_STATION, "voter_id", "template", "scanned_at", "idempotency_key", "duplicate")
_COUNTS = ("ballots_issued", "ballots_valid", "ballots_invalid", "votes")
# The event fields each kind's templates may use (``{name}``).
FIELDS: dict[str, frozenset[str]] = {
    "station_headers": frozenset(_STATION),
    "checkin": frozenset(_ITEM),
    "batch": frozenset((*_STATION, "items")),
    "batch.item": frozenset(_ITEM),
    "protocol": frozenset((*_STATION, *_COUNTS, "attempt")),
    "results": frozenset(),
    "streams": frozenset(),
    "streams.snapshot": frozenset({"station_id"}),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Request(_Model):
    method: Method = Field(default="POST", description="HTTP method")
    path: Path
    headers: Headers = Field(default_factory=dict, description="header name -> template")
    body: JsonBody = Field(default=None, description="JSON body template (a table)")


class Checkin(_Request):
    """One check-in (a voter identified at a station)."""

    accepted: list[Status] = Field(min_length=1, description="the voter is checked in")
    already_voted: list[Status] = Field(
        min_length=1, description="refused: this voter has already checked in")
    refused: list[Status] = Field(default_factory=list,
                                  description="other refusals (unknown voter, wrong station)")
    checkin_id: Pointer | None = Field(default=None,
                                       description="where an accepted answer has its id")


class Batch(_Request):
    """An offline station's sync: several check-ins in one request."""

    item: dict[str, Any] = Field(description="each item's JSON; the body places {items}")
    accepted: list[Status] = Field(default_factory=lambda: [200], min_length=1,
                                   description="the batch was processed")
    results: Pointer = Field(description="the array of per-item answers, in the items' order")
    item_status: Pointer = Field(default="/status",
                                 description="an item's HTTP-like status in its answer")
    item_checkin_id: Pointer | None = Field(default=None,
                                            description="an accepted item's check-in id")


class Protocol(_Request):
    """A station's count after closing."""

    accepted: list[Status] = Field(default_factory=lambda: [200, 201], min_length=1)
    failed_attempt: list[Status] = Field(
        default_factory=list,
        description="the answer to an upload whose counts do not add up (the simulation's "
                    "failed attempts); empty: failed attempts are not sent")


class Results(_Request):
    """The public results page."""

    method: Method = "GET"
    accepted: list[Status] = Field(default_factory=lambda: [200, 304], min_length=1)


class Streams(_Model):
    """Webcam streams: a list, then snapshots of one station's stream."""

    path: Path
    headers: Headers = Field(default_factory=dict)
    array: Pointer = Field(default="", description="the array of streams in the answer")
    station_id: Pointer = Field(default="/station_id", description="a stream's station id")
    snapshot: Path = Field(description="path template of a snapshot ({station_id})")


class MappingFile(_Model):
    """A target's dialect, written as data (docs/adapters.md)."""

    voters: str | None = Field(
        default=None, description="CSV of the target's own voter ids (station_id, voter_id), "
                                  "relative to this file")
    retry: list[Status] = Field(default_factory=lambda: [502, 503, 504],
                                description="answers retried with the same request")
    absent: list[Literal["batch", "protocol", "results", "streams"]] = Field(
        default_factory=list, description="kinds the target does not have")
    station_headers: Headers = Field(
        default_factory=dict, description="headers of every station request (credentials)")
    checkin: Checkin
    batch: Batch | None = None
    protocol: Protocol | None = None
    results: Results | None = None
    streams: Streams | None = None
