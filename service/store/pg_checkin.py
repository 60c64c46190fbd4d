"""A PostgreSQL check-in in one round trip, for the common case: a first, matching check-in.

(Concurrent check-ins share that round trip: the statement takes a batch, see ``pg_batch``.)

The general decision (``service.checkins``) needs two round trips on PostgreSQL: a lookup,
then the insert. Almost every check-in on election day is the plain case (known station
without a protocol, known voter, fresh Idempotency-Key, template matches, first check-in
of this voter), so :data:`ACCEPT_SQL` tries exactly that case in one statement: it inserts
the check-in only when every condition under which the general decision would insert it
holds, and changes nothing otherwise. The caller then runs the general decision, which
gives every other answer (404, 409, 422, replays) exactly as before. Equivalence:

- station known, no protocol, no remembered answer to (station, key), voter enrolled with a
  template of TEMPLATE_BYTES bytes: the same conditions as the lookup's, read in one
  snapshot; the closed-station trigger still closes the race with a protocol;
- template match: :data:`DISTANCE_FUNCTION` sums the absolute byte differences; the Python
  matcher's ``sum / TEMPLATE_BYTES <= MATCH_THRESHOLD`` is ``sum <=`` :data:`MAX_DISTANCE_SUM`
  for integer sums (tested against it, boundary included);
- a replayed key or a voter already checked in: the UNIQUE constraints make ``ON CONFLICT
  DO NOTHING`` insert nothing, as in the general path;
- ``hour_local``: computed in SQL from the scan's UTC time and the station's offset, as
  ``service.checkins.hour_local`` does in Python (tested against it); scans outside the
  years 1000-9998 are left to the general path;
- a voter away from home: the audit event is written by the same statement (atomic with
  the check-in, where the general path writes it just after).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from service.biometrics import MATCH_THRESHOLD, TEMPLATE_BYTES

# Largest integer sum of absolute byte differences with sum / TEMPLATE_BYTES <= threshold.
MAX_DISTANCE_SUM = math.floor(MATCH_THRESHOLD * TEMPLATE_BYTES)
assert MAX_DISTANCE_SUM / TEMPLATE_BYTES <= MATCH_THRESHOLD
assert (MAX_DISTANCE_SUM + 1) / TEMPLATE_BYTES > MATCH_THRESHOLD

# The matcher's distance in SQL: one expression of TEMPLATE_BYTES terms, so that PostgreSQL
# inlines the function into the prepared check-in statement (a function body with a FROM,
# e.g. over generate_series, is planned again on every execution: measured 3x the cost).
_TERMS = " + ".join(f"abs(get_byte(a, {i}) - get_byte(b, {i}))" for i in range(TEMPLATE_BYTES))
DISTANCE_FUNCTION = f"""CREATE FUNCTION pollday_template_distance(a BYTEA, b BYTEA)
    RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $body$
    SELECT {_TERMS}
$body$"""

# One statement for a batch of check-ins (``service.store.pg_batch``); each row is decided
# as the module's docstring says. Rows go in voter order (see pg_batch on concurrent batches).
ACCEPT_SQL = f"""WITH batch AS (
    SELECT * FROM unnest(%(checkin_id)s::TEXT[], %(voter_id)s::TEXT[], %(station_id)s::TEXT[],
                         %(key)s::TEXT[], %(scanned_at)s::TEXT[], %(scanned_utc)s::TIMESTAMP[],
                         %(accepted_at)s::TEXT[], %(template)s::BYTEA[])
        AS b(checkin_id, voter_id, station_id, key, scanned_at, scanned_utc, accepted_at,
             template)
), ins AS (
    INSERT INTO checkins (checkin_id, voter_id, station_id, idempotency_key, scanned_at,
                          accepted_at, constituency_id, hour_local)
    SELECT b.checkin_id, v.voter_id, s.station_id, b.key, b.scanned_at, b.accepted_at,
           s.constituency_id,
           to_char(b.scanned_utc + make_interval(mins => s.utc_offset_min),
                   'YYYY-MM-DD"T"HH24:00')
    FROM batch b
    JOIN stations s ON s.station_id = b.station_id
    JOIN voters v ON v.voter_id = b.voter_id
    WHERE NOT EXISTS (SELECT 1 FROM protocols p WHERE p.station_id = s.station_id)
      AND NOT EXISTS (SELECT 1 FROM idempotent_responses r
                      WHERE r.station_id = s.station_id AND r.idempotency_key = b.key)
      -- CASE, not AND: only CASE fixes the order, and get_byte fails past the end.
      AND CASE WHEN length(v.template) = {TEMPLATE_BYTES}
               THEN pollday_template_distance(v.template, b.template) <= {MAX_DISTANCE_SUM}
               ELSE FALSE END
    ORDER BY b.voter_id, b.checkin_id
    ON CONFLICT DO NOTHING
    RETURNING checkin_id, voter_id, station_id, accepted_at
), away AS (
    INSERT INTO audit_events (kind, station_id, voter_id, at)
    SELECT 'away_from_home', ins.station_id, ins.voter_id, ins.accepted_at
    FROM ins JOIN voters v ON v.voter_id = ins.voter_id
    WHERE v.station_id <> ins.station_id
)
SELECT checkin_id FROM ins"""

# The parameters of ACCEPT_SQL, one array per column.
BATCH_COLUMNS = ("checkin_id", "voter_id", "station_id", "key", "scanned_at", "scanned_utc",
                 "accepted_at", "template")


def batch_params(batch: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """ACCEPT_SQL's parameters for check-ins given as :func:`accept_params` dictionaries."""
    return {column: [params[column] for params in batch] for column in BATCH_COLUMNS}

MIN_YEAR, MAX_YEAR = 1000, 9998


def scanned_utc(scanned_at: datetime) -> datetime | None:
    """The scan time as naive UTC, or None when SQL's hour format could differ from Python's."""
    aware = scanned_at if scanned_at.tzinfo else scanned_at.replace(tzinfo=UTC)
    utc = aware.astimezone(UTC).replace(tzinfo=None)
    return utc if MIN_YEAR <= utc.year <= MAX_YEAR else None


def accept_params(checkin_id: str, voter_id: str, station_id: str, key: str,
                  scanned_at: datetime, accepted_at: str, template: bytes
                  ) -> dict[str, Any] | None:
    """Parameters of ACCEPT_SQL, or None when the one-statement path does not apply."""
    utc = scanned_utc(scanned_at)
    if utc is None or len(template) != TEMPLATE_BYTES:
        return None
    return {"checkin_id": checkin_id, "voter_id": voter_id, "station_id": station_id,
            "key": key, "scanned_at": scanned_at.isoformat(), "scanned_utc": utc,
            "accepted_at": accepted_at, "template": template}
