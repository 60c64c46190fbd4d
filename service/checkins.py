"""The check-in decision, written once for every database backend.

Order of checks (after the route checked the station's token): known station (404),
idempotent replay (original answer), known voter (404), template match (422), first
check-in of this voter anywhere (201) or not (409). The UNIQUE constraint on
``checkins.voter_id`` decides races between stations; the (station, key) index lets a
request that lost a race against its own retry return the original 201 instead of 409.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service.biometrics import TemplateError, decode_template, matches
from service.store import Database, Tx
from service.store.pg_checkin import accept_params
from service.store.schema import STATION_CLOSED_SQLSTATE


@dataclass(frozen=True)
class CheckinInput:
    station_id: str
    idempotency_key: str
    voter_id: str
    template_b64: str
    scanned_at: datetime


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def hour_local(scanned_at: datetime, utc_offset_min: int) -> str:
    """The station-local hour bucket of a scan, as an election commission reports it."""
    aware = scanned_at if scanned_at.tzinfo else scanned_at.replace(tzinfo=UTC)
    local = aware.astimezone(UTC) + timedelta(minutes=utc_offset_min)
    return local.strftime("%Y-%m-%dT%H:00")


def _refusal(status: int, code: str, detail: str, **extra: Any) -> Outcome:
    return Outcome(status, {"error": code, "detail": detail, **extra})


async def _remember(tx: Tx, item: CheckinInput, outcome: Outcome) -> Outcome:
    """Store a non-201 answer under the idempotency key so a retry gets the same answer."""
    await tx.execute(
        "INSERT INTO idempotent_responses (station_id, idempotency_key, voter_id, status, body) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (item.station_id, item.idempotency_key, item.voter_id, outcome.status,
         json.dumps(outcome.body)),
    )
    return outcome


def _key_reused(item: CheckinInput, original_voter: str) -> Outcome:
    return _refusal(
        422, "idempotency_key_reused",
        f"Idempotency-Key {item.idempotency_key!r} was already used by this station for voter "
        f"{original_voter!r}; use a new key for each voter and reuse a key only to retry",
    )


def _replay(item: CheckinInput, checkin: tuple[Any, ...], remembered: tuple[Any, ...]
            ) -> Outcome | None:
    """The original answer to this station's key, if it was answered before."""
    checkin_id, checkin_voter, accepted_at = checkin
    if checkin_id is not None:
        if checkin_voter != item.voter_id:
            return _key_reused(item, checkin_voter)
        return Outcome(201, _accepted_body(checkin_id, checkin_voter, item.station_id,
                                           accepted_at), True)
    voter, status, body = remembered
    if status is None:
        return None
    if voter != item.voter_id:
        return _key_reused(item, voter)
    return Outcome(int(status), json.loads(body), True)


# One round trip for everything the decision needs: the station, the voter's enrolled
# template, and any earlier answer to this station's Idempotency-Key.
LOOKUP = (
    "SELECT s.constituency_id, s.utc_offset_min, v.template, "
    "c.checkin_id, c.voter_id, c.accepted_at, r.voter_id, r.status, r.body, "
    "v.station_id, p.accepted_at "
    "FROM stations s "
    "LEFT JOIN voters v ON v.voter_id = ? "
    "LEFT JOIN checkins c ON c.station_id = s.station_id AND c.idempotency_key = ? "
    "LEFT JOIN idempotent_responses r ON r.station_id = s.station_id "
    "AND r.idempotency_key = ? "
    "LEFT JOIN protocols p ON p.station_id = s.station_id "
    "WHERE s.station_id = ?"
)


def _accepted_body(checkin_id: str, voter_id: str, station_id: str, accepted_at: str) -> dict[
    str, Any
]:
    return {
        "checkin_id": checkin_id,
        "voter_id": voter_id,
        "station_id": station_id,
        "accepted_at": accepted_at,
    }


async def _audit(tx: Tx, kind: str, item: CheckinInput) -> None:
    await tx.execute(
        "INSERT INTO audit_events (kind, station_id, voter_id, at) VALUES (?, ?, ?, ?)",
        (kind, item.station_id, item.voter_id, _now_iso()),
    )


async def _decide(tx: Tx, item: CheckinInput) -> Outcome:
    row = await tx.fetchone(
        LOOKUP, (item.voter_id, item.idempotency_key, item.idempotency_key, item.station_id))
    if row is None:
        return _refusal(
            404, "unknown_station",
            f"station {item.station_id!r} is not registered; import stations first "
            "(POST /admin/import)",
        )
    constituency_id, utc_offset_min, enrolled = row[0], row[1], row[2]
    replay = _replay(item, row[3:6], row[6:9])
    if replay is not None:
        if replay.replayed:
            await _audit(tx, "replay", item)
        return replay
    home_station, protocol_at = row[9], row[10]
    if protocol_at is not None:
        # Policy: a station's count is final. A check-in after it would let the station's
        # turnout exceed the ballots its accepted protocol says were issued.
        return await _remember(tx, item, _station_closed(item, protocol_at))
    if enrolled is None:
        return await _remember(tx, item, _refusal(
            404, "unknown_voter", f"voter {item.voter_id!r} is not in the voter register",
        ))
    try:
        scanned = decode_template(item.template_b64)
    except TemplateError as exc:
        # Malformed input is not remembered: the station can fix and resend the same key.
        return _refusal(422, "malformed_template", str(exc))
    if not matches(scanned, bytes(enrolled)):
        await _audit(tx, "template_mismatch", item)
        return await _remember(tx, item, _refusal(
            422, "template_mismatch",
            "the scanned template does not match the voter's enrolled template: rescan, or "
            "use the station's manual identity check",
        ))
    accepted_at = _now_iso()
    checkin_id = uuid.uuid4().hex
    # One statement: the UNIQUE constraints decide races, the trigger counts turnout.
    try:
        inserted = await _insert(tx, item, checkin_id, accepted_at, constituency_id,
                                 int(utc_offset_min))
    except Exception as exc:
        if getattr(exc, "sqlstate", None) != STATION_CLOSED_SQLSTATE:
            raise
        # The protocol was accepted between our lookup and our insert (PostgreSQL).
        closed = await tx.fetchone("SELECT accepted_at FROM protocols WHERE station_id = ?",
                                   (item.station_id,))
        return await _remember(tx, item, _station_closed(item, closed[0] if closed else ""))
    if inserted == 1:
        if home_station != item.station_id:
            # Policy: a voter may vote away from home (as commissions allow, e.g. with an
            # absentee certificate); accepted, and flagged for the audit.
            await _audit(tx, "away_from_home", item)
        return Outcome(201, _accepted_body(checkin_id, item.voter_id, item.station_id, accepted_at))
    return await _conflict(tx, item)


async def _insert(tx: Tx, item: CheckinInput, checkin_id: str, accepted_at: str,
                  constituency_id: int, utc_offset_min: int) -> int:
    return await tx.execute(
        "INSERT INTO checkins (checkin_id, voter_id, station_id, idempotency_key, scanned_at, "
        "accepted_at, constituency_id, hour_local) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (checkin_id, item.voter_id, item.station_id, item.idempotency_key,
         item.scanned_at.isoformat(), accepted_at, constituency_id,
         hour_local(item.scanned_at, utc_offset_min)),
    )


def _station_closed(item: CheckinInput, protocol_at: str) -> Outcome:
    return _refusal(
        409, "protocol_already_accepted",
        f"station {item.station_id!r} closed: its protocol was accepted at {protocol_at}; "
        "no check-in is accepted after the count",
        protocol_accepted_at=protocol_at,
    )


async def _conflict(tx: Tx, item: CheckinInput) -> Outcome:
    """The insert hit a unique constraint: a duplicate voter, or our own concurrent retry."""
    first = await tx.fetchone(
        "SELECT checkin_id, station_id, idempotency_key, accepted_at FROM checkins "
        "WHERE voter_id = ?",
        (item.voter_id,),
    )
    if first is None:
        # Only the (station, key) constraint can have fired: a key reused for another voter.
        row = await tx.fetchone(
            LOOKUP, (item.voter_id, item.idempotency_key, item.idempotency_key, item.station_id))
        replay = None if row is None else _replay(item, row[3:6], row[6:9])
        if replay is not None:
            return replay
        return _refusal(503, "conflict_retry", "a concurrent request changed this check-in; retry")
    checkin_id, first_station, first_key, first_at = first
    if first_station == item.station_id and first_key == item.idempotency_key:
        await _audit(tx, "replay", item)
        return Outcome(201, _accepted_body(checkin_id, item.voter_id, first_station, first_at),
                       True)
    await _audit(tx, "duplicate", item)
    return await _remember(tx, item, _refusal(
        409, "already_checked_in",
        f"voter {item.voter_id!r} already checked in at station {first_station!r} at "
        f"{first_at}; do not issue a ballot",
        first_station_id=first_station, first_accepted_at=first_at,
    ))


async def _accept_in_one_statement(db: Database, item: CheckinInput) -> Outcome | None:
    """The plain case (first, matching check-in) in one statement where the backend can
    (PostgreSQL: ``service.store.pg_checkin``); None when the general decision must answer."""
    accept = getattr(db, "accept_checkin", None)
    if accept is None:
        return None
    try:
        scanned = decode_template(item.template_b64)
    except TemplateError:
        return None  # the general decision answers it (after the station and replay checks)
    checkin_id, accepted_at = uuid.uuid4().hex, _now_iso()
    params = accept_params(checkin_id, item.voter_id, item.station_id, item.idempotency_key,
                           item.scanned_at, accepted_at, scanned)
    if params is None or not await accept(params):
        return None
    return Outcome(201, _accepted_body(checkin_id, item.voter_id, item.station_id, accepted_at))


async def check_in(db: Database, item: CheckinInput) -> Outcome:
    """Decide and record one check-in in its own transaction."""
    accepted = await _accept_in_one_statement(db, item)
    if accepted is not None:
        return accepted
    async def work(tx: Tx) -> Outcome:
        return await _decide(tx, item)

    # Every statement of a check-in keeps the invariants on its own (constraints, trigger):
    # PostgreSQL can run them without a transaction block.
    return await db.run_write(work, statement_atomic=True)
