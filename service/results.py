"""Results (sum of accepted protocols) and turnout (check-ins by station-local hour)."""

from __future__ import annotations

import json
from typing import Any

from service.protocols import election_candidates
from service.store import Database, Tx


async def results_version(db: Database) -> int:
    pushed = db.pushed_results_version()
    if pushed is not None:
        return pushed
    async with db.read() as tx:
        row = await tx.fetchone("SELECT value FROM meta WHERE key = 'results_version'")
    return int(row[0]) if row else 0


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


async def constituency_exists(db: Database, constituency_id: int) -> bool:
    async with db.read() as tx:
        row = await tx.fetchone(
            "SELECT 1 FROM constituencies WHERE constituency_id = ? "
            "UNION ALL SELECT 1 FROM stations WHERE constituency_id = ?",
            (constituency_id, constituency_id),
        )
    return row is not None


async def _scoped(tx: Tx, sql: str, constituency_id: int | None) -> Any:
    """Run an aggregate with an optional ``WHERE constituency_id = ?`` filter."""
    if constituency_id is None:
        row = await tx.fetchone(sql.replace("{where}", ""))
    else:
        row = await tx.fetchone(sql.replace("{where}", "WHERE constituency_id = ?"),
                                (constituency_id,))
    return row


async def render_results(db: Database, constituency_id: int | None, version: int) -> bytes:
    """The results body of the nation (``None``) or one constituency, as JSON bytes."""
    async with db.read() as tx:
        stations_total = (await _scoped(tx, "SELECT count(*) FROM stations {where}",
                                        constituency_id))[0]
        reported, valid, invalid = await _scoped(
            tx,
            "SELECT count(*), coalesce(sum(ballots_valid), 0), coalesce(sum(ballots_invalid), 0) "
            "FROM protocols {where}",
            constituency_id,
        )
        checkins = (await _scoped(tx, "SELECT coalesce(sum(checkins), 0) FROM turnout_hourly "
                                      "{where}", constituency_id))[0]
        where = "" if constituency_id is None else "WHERE constituency_id = ?"
        params = () if constituency_id is None else (constituency_id,)
        votes_rows = await tx.fetchall(
            f"SELECT candidate, sum(votes) FROM protocol_votes {where} GROUP BY candidate",
            params,
        )
        candidates = await election_candidates(tx)
    votes = {str(name): int(total) for name, total in votes_rows}
    names = candidates if candidates is not None else sorted(votes, key=lambda n: -votes[n])
    valid, invalid, reported = int(valid), int(invalid), int(reported)
    body = {
        "scope": "national" if constituency_id is None else "constituency",
        "constituency_id": constituency_id,
        "stations_reported": reported,
        "stations_total": int(stations_total),
        "stations_reported_share": _share(reported, int(stations_total)),
        "ballots_counted": valid + invalid,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "checkins_accepted": int(checkins),
        "ballots_processed_share": _share(valid + invalid, int(checkins)),
        "candidates": [
            {"name": n, "votes": votes.get(n, 0), "share": _share(votes.get(n, 0), valid)}
            for n in names
        ],
        "results_version": version,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _series(by_hour: dict[str, int], registered: int) -> dict[str, Any]:
    cumulative = 0
    hours = []
    for hour in sorted(by_hour):
        cumulative += by_hour[hour]
        hours.append({
            "hour_local": hour,
            "checkins": by_hour[hour],
            "cumulative": cumulative,
            "turnout_share": _share(cumulative, registered),
        })
    return {"registered": registered, "checkins": cumulative, "hours": hours}


async def render_turnout(db: Database) -> bytes:
    """Cumulative check-ins by station-local hour, nationally and per constituency."""
    async with db.read() as tx:
        counts = await tx.fetchall(
            "SELECT constituency_id, hour_local, checkins FROM turnout_hourly"
        )
        registered_rows = await tx.fetchall(
            "SELECT constituency_id, sum(registered) FROM stations GROUP BY constituency_id"
        )
        name_rows = await tx.fetchall("SELECT constituency_id, name FROM constituencies")
    names: dict[int, str] = {int(c): str(n) for c, n in name_rows}
    registered = {int(c): int(n) for c, n in registered_rows}
    national: dict[str, int] = {}
    per_constituency: dict[int, dict[str, int]] = {c: {} for c in registered}
    for constituency_id, hour, n in counts:
        national[hour] = national.get(hour, 0) + int(n)
        per_constituency.setdefault(int(constituency_id), {})[hour] = int(n)
    body = {
        "national": _series(national, sum(registered.values())),
        "constituencies": [
            {"constituency_id": c, "name": str(names.get(c, f"Constituency {c}")),
             **_series(per_constituency[c], registered.get(c, 0))}
            for c in sorted(per_constituency)
        ],
    }
    return json.dumps(body, separators=(",", ":")).encode()
