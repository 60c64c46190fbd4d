"""Station protocols (the count after closing): validation, idempotency, results inputs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from service.errors import ApiError
from service.models import ProtocolRequest
from service.store import Database, Tx


def protocol_digest(protocol: ProtocolRequest) -> str:
    """A digest of the protocol's *counts*: same counts, same digest, whatever the key order
    and whether a candidate with no votes is listed as 0 or left out."""
    content = protocol.model_dump()
    content["votes"] = {name: n for name, n in protocol.votes.items() if n != 0}
    return _sha256(content)


def legacy_digest(protocol: ProtocolRequest) -> str:
    """The digest stored before counts were normalised (over the map as sent)."""
    return _sha256(protocol.model_dump())


def _sha256(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_arithmetic(protocol: ProtocolRequest, candidates: list[str] | None) -> None:
    """Raise 422 unless the protocol adds up (and names only known candidates)."""
    votes_total = sum(protocol.votes.values())
    if votes_total != protocol.ballots_valid:
        raise ApiError(
            422, "protocol_does_not_add_up",
            f"votes per candidate add up to {votes_total} but ballots_valid is "
            f"{protocol.ballots_valid}; they must be equal",
        )
    cast = protocol.ballots_valid + protocol.ballots_invalid
    if cast > protocol.ballots_issued:
        raise ApiError(
            422, "protocol_does_not_add_up",
            f"ballots_valid + ballots_invalid = {cast} exceeds ballots_issued = "
            f"{protocol.ballots_issued}; a box cannot hold more ballots than were issued",
        )
    if candidates is not None:
        unknown = sorted(set(protocol.votes) - set(candidates))
        if unknown:
            raise ApiError(
                422, "unknown_candidate",
                f"unknown candidate(s) {unknown}; the election's candidates are {candidates}",
            )


async def election_candidates(tx: Tx) -> list[str] | None:
    row = await tx.fetchone("SELECT candidates FROM elections WHERE election_id = 1")
    if row is None:
        return None
    names: list[str] = json.loads(row[0])
    return names


async def submit_protocol(db: Database, protocol: ProtocolRequest) -> tuple[int, dict[str, Any]]:
    """Accept (201), confirm a resubmission (200), or refuse (404/409/422) a protocol."""
    digest = protocol_digest(protocol)

    async def work(tx: Tx) -> tuple[int, dict[str, Any]]:
        if db.dialect == "postgresql":
            # Check-ins wait while this protocol counts them and commits (their trigger then
            # sees it): no check-in can slip in between the count and the acceptance.
            await tx.execute("LOCK TABLE checkins IN SHARE MODE")
        constituency_id = await _station_constituency(tx, protocol)
        existing = await _stored_protocol(tx, protocol)
        if existing is not None:
            return _resubmission(protocol, digest, existing[0], existing[1])
        check_arithmetic(protocol, await election_candidates(tx))
        await _check_ballots_against_checkins(tx, protocol)
        accepted_at = datetime.now(UTC).isoformat(timespec="microseconds")
        if not await _insert_protocol(tx, protocol, constituency_id, digest, accepted_at):
            # A concurrent submission for this station committed first (PostgreSQL).
            raced = await _stored_protocol(tx, protocol)
            assert raced is not None
            return _resubmission(protocol, digest, raced[0], raced[1])
        version = await tx.fetchone(
            "UPDATE meta SET value = value + 1 WHERE key = 'results_version' RETURNING value"
        )
        if version is not None:
            new_versions.append(int(version[0]))
        return 201, {"station_id": protocol.station_id, "accepted_at": accepted_at,
                     "replayed": False}

    new_versions: list[int] = []
    result = await db.run_write(work)
    for version in new_versions:  # committed by now
        db.saw_results_version(version)
    return result


async def _station_constituency(tx: Tx, protocol: ProtocolRequest) -> Any:
    """The constituency of the protocol's station; 404 if the station is not registered."""
    station = await tx.fetchone(
        "SELECT constituency_id FROM stations WHERE station_id = ?", (protocol.station_id,)
    )
    if station is None:
        raise ApiError(
            404, "unknown_station",
            f"station {protocol.station_id!r} is not registered; import stations first",
        )
    return station[0]


async def _stored_protocol(tx: Tx, protocol: ProtocolRequest) -> tuple[Any, ...] | None:
    """The (digest, accepted_at) row already stored for this station, or None."""
    return await tx.fetchone(
        "SELECT digest, accepted_at FROM protocols WHERE station_id = ?",
        (protocol.station_id,),
    )


async def _check_ballots_against_checkins(tx: Tx, protocol: ProtocolRequest) -> None:
    """422 when the protocol issues more ballots than the station accepted check-ins."""
    row = await tx.fetchone(
        "SELECT count(*) FROM checkins WHERE station_id = ?", (protocol.station_id,)
    )
    checkins = int(row[0]) if row else 0
    if protocol.ballots_issued > checkins:
        raise ApiError(
            422, "more_ballots_than_checkins",
            f"ballots_issued = {protocol.ballots_issued} but only {checkins} voters checked "
            f"in at station {protocol.station_id!r}; every ballot needs a check-in",
            extra={"checkins_accepted": checkins},
        )


async def _insert_protocol(
    tx: Tx, protocol: ProtocolRequest, constituency_id: Any, digest: str, accepted_at: str
) -> bool:
    """Store the protocol and its votes; False if another submission got there first."""
    inserted = await tx.execute(
        "INSERT INTO protocols (station_id, constituency_id, ballots_issued, ballots_valid, "
        "ballots_invalid, digest, body, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (protocol.station_id, constituency_id, protocol.ballots_issued, protocol.ballots_valid,
         protocol.ballots_invalid, digest, protocol.model_dump_json(), accepted_at),
    )
    if inserted == 0:
        return False
    await tx.executemany(
        "INSERT INTO protocol_votes (station_id, constituency_id, candidate, votes) "
        "VALUES (?, ?, ?, ?)",
        [(protocol.station_id, constituency_id, name, votes)
         for name, votes in protocol.votes.items()],
    )
    return True


def _resubmission(
    protocol: ProtocolRequest, digest: str, stored_digest: str, accepted_at: str
) -> tuple[int, dict[str, Any]]:
    # A protocol accepted by an older version carries the digest of the map as it was sent.
    if stored_digest in (digest, legacy_digest(protocol)):
        return 200, {"station_id": protocol.station_id, "accepted_at": accepted_at,
                     "replayed": True}
    raise ApiError(
        409, "protocol_conflict",
        f"station {protocol.station_id!r} already has a different protocol (accepted at "
        f"{accepted_at}); a protocol cannot be changed through this endpoint",
        extra={"first_accepted_at": accepted_at},
    )
