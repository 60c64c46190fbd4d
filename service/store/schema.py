"""Schema and migrations, applied once by the parent process before any worker starts.

Applying them before the workers start matters for SQLite: several workers switching a fresh
file to WAL at once race, and one dies with "database is locked" (seen on this machine).
Each migration is a list of statements with ``{blob}`` standing for the dialect's byte type.
"""

from __future__ import annotations

import os
import sqlite3

import psycopg

from service.store.pg_checkin import DISTANCE_FUNCTION
from service.store.urls import DatabaseUrl

# Turnout counter rows per (constituency, hour) on PostgreSQL (see the fourth migration).
TURNOUT_SHARDS = 64

# A statement is either portable SQL or a {dialect: SQL} mapping.
Statement = str | dict[str, str]

MIGRATIONS: list[list[Statement]] = [
    [
        """CREATE TABLE elections (
            election_id INTEGER PRIMARY KEY CHECK (election_id = 1),
            name TEXT NOT NULL,
            candidates TEXT NOT NULL)""",
        """CREATE TABLE constituencies (
            constituency_id BIGINT PRIMARY KEY,
            name TEXT NOT NULL)""",
        """CREATE TABLE stations (
            station_id TEXT PRIMARY KEY,
            constituency_id BIGINT NOT NULL,
            registered BIGINT NOT NULL,
            utc_offset_min INTEGER NOT NULL,
            online INTEGER NOT NULL,
            webcam INTEGER NOT NULL)""",
        """CREATE TABLE voters (
            voter_id TEXT PRIMARY KEY,
            station_id TEXT NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            birth_date TEXT NOT NULL,
            template {blob} NOT NULL)""",
        # voter_id UNIQUE is what makes "no voter accepted twice" hold under any concurrency;
        # the (station, key) index lets a retried request find its own original answer.
        """CREATE TABLE checkins (
            checkin_id TEXT PRIMARY KEY,
            voter_id TEXT NOT NULL UNIQUE,
            station_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            scanned_at TEXT NOT NULL,
            accepted_at TEXT NOT NULL,
            constituency_id BIGINT NOT NULL,
            hour_local TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX checkins_station_key ON checkins (station_id, idempotency_key)",
        "CREATE INDEX checkins_station ON checkins (station_id)",
        # Answers other than 201 (409, 404, 422 mismatch), kept for idempotent replays.
        """CREATE TABLE idempotent_responses (
            station_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            voter_id TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (station_id, idempotency_key))""",
        # Insert-only, so counting refusals never makes concurrent requests wait on a row.
        """CREATE TABLE audit_events (
            kind TEXT NOT NULL,
            station_id TEXT NOT NULL,
            voter_id TEXT NOT NULL,
            at TEXT NOT NULL)""",
        "CREATE INDEX audit_events_kind ON audit_events (kind)",
        """CREATE TABLE turnout_hourly (
            constituency_id BIGINT NOT NULL,
            hour_local TEXT NOT NULL,
            checkins BIGINT NOT NULL,
            PRIMARY KEY (constituency_id, hour_local))""",
        """CREATE TABLE protocols (
            station_id TEXT PRIMARY KEY,
            constituency_id BIGINT NOT NULL,
            ballots_issued BIGINT NOT NULL,
            ballots_valid BIGINT NOT NULL,
            ballots_invalid BIGINT NOT NULL,
            digest TEXT NOT NULL,
            body TEXT NOT NULL,
            accepted_at TEXT NOT NULL)""",
        """CREATE TABLE protocol_votes (
            station_id TEXT NOT NULL,
            constituency_id BIGINT NOT NULL,
            candidate TEXT NOT NULL,
            votes BIGINT NOT NULL,
            PRIMARY KEY (station_id, candidate))""",
        # results_version changes whenever results may change; readers compare it to serve
        # cached bodies and ETags without re-aggregating.
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('results_version', 1)",
    ],
    [
        # Turnout counters move in the same statement as the check-in they count, so a
        # check-in can be one atomic statement (PostgreSQL then needs no BEGIN/COMMIT trips)
        # and the counters can never disagree with the check-ins, even after a crash.
        {
            "sqlite": """CREATE TRIGGER checkins_turnout AFTER INSERT ON checkins BEGIN
                INSERT INTO turnout_hourly (constituency_id, hour_local, checkins)
                VALUES (NEW.constituency_id, NEW.hour_local, 1)
                ON CONFLICT (constituency_id, hour_local)
                DO UPDATE SET checkins = turnout_hourly.checkins + 1;
            END""",
            "postgresql": """CREATE FUNCTION checkins_turnout() RETURNS trigger
                LANGUAGE plpgsql AS $body$ BEGIN
                INSERT INTO turnout_hourly (constituency_id, hour_local, checkins)
                VALUES (NEW.constituency_id, NEW.hour_local, 1)
                ON CONFLICT (constituency_id, hour_local)
                DO UPDATE SET checkins = turnout_hourly.checkins + 1;
                RETURN NULL;
            END $body$""",
        },
        {
            "postgresql": """CREATE TRIGGER checkins_turnout AFTER INSERT ON checkins
                FOR EACH ROW EXECUTE FUNCTION checkins_turnout()""",
        },
        # Every service process LISTENs: a new results version reaches them at commit, so
        # a results read needs no query while nothing changed (PostgreSQL only).
        {
            "postgresql": """CREATE FUNCTION meta_notify() RETURNS trigger
                LANGUAGE plpgsql AS $body$ BEGIN
                PERFORM pg_notify('pollday_' || NEW.key, NEW.value::text);
                RETURN NULL;
            END $body$""",
        },
        {
            "postgresql": """CREATE TRIGGER meta_notify AFTER UPDATE ON meta
                FOR EACH ROW EXECUTE FUNCTION meta_notify()""",
        },
    ],
    [
        # No check-in after the station's protocol (policy). The check-in's lookup already
        # refuses it; on PostgreSQL a check-in's lookup and insert are separate statements,
        # so this trigger closes the race with a protocol committed in between (the protocol
        # locks check-ins out while it counts them). SQLite runs both in one transaction.
        {
            "postgresql": """CREATE FUNCTION checkins_station_open() RETURNS trigger
                LANGUAGE plpgsql AS $body$ BEGIN
                IF EXISTS (SELECT 1 FROM protocols WHERE station_id = NEW.station_id) THEN
                    RAISE EXCEPTION 'station % closed: its protocol was accepted',
                        NEW.station_id USING ERRCODE = 'PD001';
                END IF;
                RETURN NEW;
            END $body$""",
        },
        {
            "postgresql": """CREATE TRIGGER checkins_station_open BEFORE INSERT ON checkins
                FOR EACH ROW EXECUTE FUNCTION checkins_station_open()""",
        },
    ],
    [
        # The biometric matcher's distance, for the one-statement check-in (pg_checkin).
        {"postgresql": DISTANCE_FUNCTION},
        # PostgreSQL: one turnout counter row per (constituency, hour) made concurrent
        # check-ins of a constituency queue on its row lock, each until the previous one's
        # WAL flush, so their commits could not share a flush (measured: transactions waiting
        # on each other's row locks under load). Each connection now counts into its own
        # shard row (pg_backend_pid() modulo TURNOUT_SHARDS); turnout_hourly becomes a view
        # summing the shards, so readers see the same rows, and the counters still move in
        # the check-in's own statement (never disagreeing with it, even after a crash).
        {"postgresql": """CREATE TABLE turnout_shards (
            constituency_id BIGINT NOT NULL,
            hour_local TEXT NOT NULL,
            shard INTEGER NOT NULL,
            checkins BIGINT NOT NULL,
            PRIMARY KEY (constituency_id, hour_local, shard))"""},
        {"postgresql": """INSERT INTO turnout_shards (constituency_id, hour_local, shard, checkins)
            SELECT constituency_id, hour_local, 0, checkins FROM turnout_hourly"""},
        {"postgresql": "DROP TABLE turnout_hourly"},
        {"postgresql": """CREATE VIEW turnout_hourly AS
            SELECT constituency_id, hour_local, sum(checkins)::BIGINT AS checkins
            FROM turnout_shards GROUP BY constituency_id, hour_local"""},
        {"postgresql": f"""CREATE OR REPLACE FUNCTION checkins_turnout() RETURNS trigger
                LANGUAGE plpgsql AS $body$ BEGIN
                INSERT INTO turnout_shards (constituency_id, hour_local, shard, checkins)
                VALUES (NEW.constituency_id, NEW.hour_local,
                        pg_backend_pid() % {TURNOUT_SHARDS}, 1)
                ON CONFLICT (constituency_id, hour_local, shard)
                DO UPDATE SET checkins = turnout_shards.checkins + 1;
                RETURN NULL;
            END $body$"""},
        # Redundant with the unique (station_id, idempotency_key) index, which serves the
        # same lookups by station: one index write less per check-in.
        {"postgresql": "DROP INDEX checkins_station"},
    ],
]

# SQLSTATE the PostgreSQL trigger raises for a check-in at a station whose protocol is in.
STATION_CLOSED_SQLSTATE = "PD001"

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(RuntimeError):
    """The database holds a schema newer than this service understands."""


class DatabaseSetupError(RuntimeError):
    """The database cannot be opened or written (read-only file or folder, full disk...)."""


def _statements(version: int, dialect: str) -> list[str]:
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    out = []
    for statement in MIGRATIONS[version]:
        if isinstance(statement, dict):
            if dialect in statement:
                out.append(statement[dialect])
        else:
            out.append(statement.format(blob=blob))
    return out


def prepare_sqlite(url: DatabaseUrl) -> None:
    """Create the file, switch it to WAL and migrate it, in one process.

    Raises DatabaseSetupError naming the file when it cannot be written: the service writes
    the file itself and, next to it, ``-wal``, ``-shm`` and ``.writelock`` files.
    """
    assert url.sqlite_path is not None
    path = url.sqlite_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The workers' cross-process write lock lives next to the file: create it here, so a
        # read-only folder is reported once, by the parent, and not by every worker.
        os.close(os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT, 0o600))
        _migrate_sqlite(url)
    except (sqlite3.Error, OSError) as exc:
        cause = getattr(exc, "strerror", None) or str(exc)
        raise DatabaseSetupError(
            f"cannot open the SQLite database {path} for writing: {cause}. The service must "
            f"be able to write {path.name} and create {path.name}-wal, {path.name}-shm and "
            f"{path.name}.writelock in {path.parent}: check that neither the file nor its "
            "folder is read-only (permissions, a read-only mount) and that the disk has room"
        ) from exc


def _migrate_sqlite(url: DatabaseUrl) -> None:
    assert url.sqlite_path is not None
    conn = sqlite3.connect(url.sqlite_path, isolation_level=None, timeout=30)
    try:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise SchemaError(f"could not switch {url.sqlite_path} to WAL mode (got {mode})")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0] or 0)
        _check_not_newer(current, str(url.sqlite_path))
        for version in range(current, SCHEMA_VERSION):
            for statement in _statements(version, "sqlite"):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def prepare_postgres(url: DatabaseUrl) -> None:
    """Migrate a PostgreSQL database; an advisory lock serialises concurrent starters."""
    with psycopg.connect(url.url, connect_timeout=10) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(727274)")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0] or 0) if row else 0
        _check_not_newer(current, "the PostgreSQL database")
        for version in range(current, SCHEMA_VERSION):
            for statement in _statements(version, "postgresql"):
                conn.execute(statement.encode())
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version + 1,))


def _check_not_newer(current: int, where: str) -> None:
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"{where} has schema version {current}, newer than this service's "
            f"{SCHEMA_VERSION}: upgrade pollday or use another database"
        )


def prepare_database(url: DatabaseUrl) -> None:
    """Create or migrate the schema of ``url``."""
    if url.dialect == "sqlite":
        prepare_sqlite(url)
    else:
        prepare_postgres(url)
