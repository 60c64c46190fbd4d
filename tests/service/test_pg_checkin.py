"""The one-statement PostgreSQL check-in (service/store/pg_checkin.py) against the general path.

It must insert exactly when the general decision would, with the same row; the matcher and
the local-hour bucket are computed in SQL there, so both are compared with the Python ones.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import psycopg
import pytest

from service.biometrics import TEMPLATE_BYTES, matches
from service.checkins import CheckinInput, check_in, hour_local
from service.store.pg_batch import CheckinBatcher
from service.store.pg_checkin import MAX_DISTANCE_SUM, accept_params
from service.store.postgres import PostgresDatabase
from service.store.schema import prepare_database
from service.store.urls import parse_database_url
from tests.support.pgcluster import ThrowawayCluster

pytestmark = pytest.mark.postgres
SCAN = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pg_url(pg_cluster: ThrowawayCluster) -> Iterator[str]:
    url = pg_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    prepare_database(parse_database_url(url))
    yield url


def _template_pairs(rng: np.random.Generator) -> list[tuple[bytes, bytes]]:
    """Unrelated pairs, noisy re-scans of every size, and sums at the threshold exactly."""
    pairs = []
    for _ in range(2000):
        a = rng.integers(0, 256, TEMPLATE_BYTES)
        noise = rng.integers(-int(rng.integers(0, 60)), int(rng.integers(1, 60)), TEMPLATE_BYTES)
        b = np.clip(a + noise, 0, 255) if rng.random() < 0.8 else rng.integers(0, 256, 48)
        pairs.append((bytes(a.astype(np.uint8)), bytes(b.astype(np.uint8))))
    for total in (MAX_DISTANCE_SUM - 1, MAX_DISTANCE_SUM, MAX_DISTANCE_SUM + 1):
        for _ in range(50):
            a = rng.integers(0, 128, TEMPLATE_BYTES)
            # Spread `total` over the bytes (each at most 127 up: no clipping at 255).
            share = rng.multinomial(total, np.full(TEMPLATE_BYTES, 1 / TEMPLATE_BYTES))
            if share.max() > 127:
                continue
            pairs.append((bytes(a.astype(np.uint8)), bytes((a + share).astype(np.uint8))))
    return pairs


def test_sql_matcher_decides_as_the_python_matcher(pg_url: str) -> None:
    pairs = _template_pairs(np.random.default_rng(20261201))
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT pollday_template_distance(a, b), "
            f"pollday_template_distance(a, b) <= {MAX_DISTANCE_SUM} "
            "FROM unnest(%s::bytea[], %s::bytea[]) WITH ORDINALITY AS u(a, b, n) ORDER BY n",
            ([a for a, _ in pairs], [b for _, b in pairs])).fetchall()
    sums = [sum(abs(x - y) for x, y in zip(a, b, strict=True)) for a, b in pairs]
    assert [r[0] for r in rows] == sums
    assert [r[1] for r in rows] == [matches(b, a) for a, b in pairs]
    # Both sides of the decision and the boundary itself were exercised.
    assert {MAX_DISTANCE_SUM - 1, MAX_DISTANCE_SUM, MAX_DISTANCE_SUM + 1} <= set(sums)
    assert 0 < sum(r[1] for r in rows) < len(rows)


def _run(url: str, work: Any) -> Any:
    async def scenario() -> Any:
        db = PostgresDatabase(parse_database_url(url))
        await db.open()
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(scenario())


def _sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement.encode(), params)
        return cur.fetchall() if cur.description else []


def test_hour_bucket_in_sql_is_the_python_one(pg_url: str) -> None:
    """Stations at many UTC offsets, scans in many time zones, across day and year ends."""
    rng = np.random.default_rng(7)
    offsets = [int(x) for x in rng.integers(-720, 841, 40)] + [0, -1, 1, 59, 60, -60]
    base = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    scans, stations, voters = [], [], []
    for k, offset in enumerate(offsets):
        station, voter = f"H{k:03d}", f"HV{k:03d}"
        zone = timezone(timedelta(minutes=int(rng.integers(-720, 841))))
        scanned = (base + timedelta(minutes=int(rng.integers(-1500, 1500)))).astimezone(zone)
        if k % 5 == 0:
            scanned = scanned.replace(tzinfo=None)  # naive: taken as UTC, as in Python
        stations.append((station, offset))
        voters.append((voter, station, bytes(TEMPLATE_BYTES)))
        scans.append((station, voter, scanned, offset))
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO stations VALUES (%s, 1, 10, %s, 1, 0)", stations)
        cur.executemany("INSERT INTO voters VALUES (%s, %s, 'a', 'b', '1980-01-01', %s)",
                        voters)

    async def work(db: PostgresDatabase) -> list[bool]:
        done = []
        for station, voter, scanned, _ in scans:
            params = accept_params(uuid.uuid4().hex, voter, station, f"k-{voter}", scanned,
                                   "now", bytes(TEMPLATE_BYTES))
            assert params is not None
            done.append(await db.accept_checkin(params))
        return done

    assert _run(pg_url, work) == [True] * len(scans)
    stored = dict(_sql(pg_url, "SELECT voter_id, hour_local FROM checkins WHERE voter_id "
                       "LIKE 'HV%%'"))
    assert stored == {voter: hour_local(scanned, offset) for _, voter, scanned, offset in scans}


def test_scans_outside_the_sql_years_are_left_to_the_general_path() -> None:
    far = datetime(999, 6, 1, tzinfo=UTC)
    assert accept_params("c", "v", "s", "k", far, "now", bytes(TEMPLATE_BYTES)) is None
    assert accept_params("c", "v", "s", "k", SCAN, "now", bytes(TEMPLATE_BYTES - 1)) is None


def _item(station: str, key: str, voter: str, template: bytes) -> CheckinInput:
    return CheckinInput(station, key, voter, base64.b64encode(template).decode(), SCAN)


def _seed_decision_cases(url: str, prefix: str, voters: int) -> tuple[bytes, bytes]:
    """Stations {prefix}1 (home), {prefix}2 (open, away) and {prefix}3 (protocol accepted);
    voters {prefix}V0.. at {prefix}1; key 'remembered' kept for a refusal of {prefix}V3.
    Returns the enrolled template and one too far from it (mean difference 21 > 20)."""
    enrolled = bytes(range(TEMPLATE_BYTES))
    for station in (f"{prefix}1", f"{prefix}2", f"{prefix}3"):
        _sql(url, "INSERT INTO stations VALUES (%s, 1, 10, 0, 1, 0)", (station,))
    for k in range(voters):
        _sql(url, "INSERT INTO voters VALUES (%s, %s, 'a', 'b', '1980-01-01', %s)",
             (f"{prefix}V{k}", f"{prefix}1", enrolled))
    _sql(url, "INSERT INTO protocols VALUES (%s, 1, 0, 0, 0, 'd', '{}', 'then')",
         (f"{prefix}3",))
    _sql(url, "INSERT INTO idempotent_responses VALUES (%s, 'remembered', %s, 404, '{}')",
         (f"{prefix}1", f"{prefix}V3"))
    return enrolled, bytes(min(255, b + 21) for b in enrolled)


def test_one_statement_inserts_only_the_plain_case(pg_url: str) -> None:
    """Each condition of the general decision, broken alone, makes it insert nothing."""
    enrolled, far = _seed_decision_cases(pg_url, "P", voters=8)

    async def work(db: PostgresDatabase) -> dict[str, bool]:
        async def accept(name: str, station: str, key: str, voter: str,
                         template: bytes) -> None:
            params = accept_params(uuid.uuid4().hex, voter, station, key, SCAN, "now", template)
            assert params is not None
            out[name] = await db.accept_checkin(params)

        out: dict[str, bool] = {}
        await accept("plain", "P1", "k0", "PV0", enrolled)
        await accept("same voter again", "P1", "k1", "PV0", enrolled)
        await accept("key used for another voter", "P1", "k0", "PV1", enrolled)
        await accept("key remembered for a refusal", "P1", "remembered", "PV3", enrolled)
        await accept("unknown station", "P9", "k2", "PV2", enrolled)
        await accept("unknown voter", "P1", "k3", "nobody", enrolled)
        await accept("template mismatch", "P1", "k4", "PV4", far)
        await accept("station closed", "P3", "k5", "PV5", enrolled)
        await accept("away from home", "P2", "k6", "PV6", enrolled)
        return out

    assert _run(pg_url, work) == {
        "plain": True, "same voter again": False, "key used for another voter": False,
        "key remembered for a refusal": False, "unknown station": False,
        "unknown voter": False, "template mismatch": False, "station closed": False,
        "away from home": True}
    assert sorted(_sql(pg_url, "SELECT voter_id FROM checkins WHERE voter_id LIKE 'PV%%'")) \
        == [("PV0",), ("PV6",)]
    # The away-from-home flag is written by the same statement, and only for PV6.
    assert _sql(pg_url, "SELECT kind, station_id, voter_id FROM audit_events WHERE voter_id "
                "LIKE 'PV%%'") == [("away_from_home", "P2", "PV6")]


def test_general_path_answers_what_the_statement_leaves(pg_url: str) -> None:
    """Through check_in: the plain case, then refusals and replays from the general path."""
    enrolled = bytes(range(100, 100 + TEMPLATE_BYTES))
    _sql(pg_url, "INSERT INTO stations VALUES ('G1', 1, 10, 0, 1, 0)")
    _sql(pg_url, "INSERT INTO voters VALUES ('GV0', 'G1', 'a', 'b', '1980-01-01', %s)",
         (enrolled,))

    async def work(db: PostgresDatabase) -> list[tuple[int, bool]]:
        first = await check_in(db, _item("G1", "g0", "GV0", enrolled))
        again = await check_in(db, _item("G1", "g0", "GV0", enrolled))
        other = await check_in(db, _item("G1", "g1", "GV0", enrolled))
        assert again.body == first.body  # the original answer, replayed
        return [(o.status, o.replayed) for o in (first, again, other)]

    assert _run(pg_url, work) == [(201, False), (201, True), (409, False)]
    assert _sql(pg_url, "SELECT checkins FROM turnout_hourly t JOIN checkins c ON "
                "c.hour_local = t.hour_local AND c.constituency_id = t.constituency_id "
                "WHERE c.voter_id = 'GV0'") != []


def _close_in_the_trigger(url: str, station: str) -> None:
    """The closed-station trigger sees ``station`` closed whatever the protocols table says:
    a protocol committed between the statement's check and its insert."""
    _sql(url, f"""CREATE OR REPLACE FUNCTION checkins_station_open() RETURNS trigger
        LANGUAGE plpgsql AS $body$ BEGIN
        IF NEW.station_id = '{station}' THEN
            RAISE EXCEPTION 'station closed' USING ERRCODE = 'PD001';
        END IF;
        RETURN NEW;
        END $body$""")


def test_a_protocol_racing_the_statement_is_refused_by_the_trigger(pg_url: str) -> None:
    """The statement saw no protocol but the trigger does (committed in between): nothing
    is inserted and the general path answers. Simulated by a trigger that always sees one."""
    url = pg_url
    _sql(url, "INSERT INTO stations VALUES ('R1', 1, 10, 0, 1, 0)")
    _sql(url, "INSERT INTO voters VALUES ('RV0', 'R1', 'a', 'b', '1980-01-01', %s)",
         (bytes(TEMPLATE_BYTES),))
    _close_in_the_trigger(url, "R1")

    async def work(db: PostgresDatabase) -> bool:
        params = accept_params("r", "RV0", "R1", "r0", SCAN, "now", bytes(TEMPLATE_BYTES))
        assert params is not None
        return await db.accept_checkin(params)

    assert _run(url, work) is False
    assert _sql(url, "SELECT count(*) FROM checkins WHERE voter_id = 'RV0'") == [(0,)]


def test_turnout_shards_add_up_to_the_checkins(pg_url: str) -> None:
    """Concurrent check-ins over several pooled connections: the turnout view (the shards
    summed) equals the check-ins counted per constituency and hour."""
    enrolled = bytes(range(50, 50 + TEMPLATE_BYTES))
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO stations VALUES (%s, %s, 10, %s, 1, 0)",
                        [(f"T{s}", 100 + s % 3, 60 * s) for s in range(6)])
        cur.executemany("INSERT INTO voters VALUES (%s, %s, 'a', 'b', '1980-01-01', %s)",
                        [(f"TV{k}", f"T{k % 6}", enrolled) for k in range(120)])

    async def work(db: PostgresDatabase) -> list[int]:
        outcomes = await asyncio.gather(*(
            check_in(db, _item(f"T{k % 6}", f"t{k}", f"TV{k}", enrolled)) for k in range(120)))
        return [o.status for o in outcomes]

    assert _run(pg_url, work) == [201] * 120
    counted = "SELECT constituency_id, hour_local, count(*) FROM checkins WHERE constituency_id " \
        "BETWEEN 100 AND 102 GROUP BY 1, 2 ORDER BY 1, 2"
    view = "SELECT constituency_id, hour_local, checkins FROM turnout_hourly WHERE " \
        "constituency_id BETWEEN 100 AND 102 ORDER BY 1, 2"
    assert _sql(pg_url, view) == _sql(pg_url, counted)
    assert len(_sql(pg_url, counted)) == 6


def test_migration_keeps_the_turnout_counted_before_it(pg_cluster: ThrowawayCluster) -> None:
    from service.store.schema import SCHEMA_VERSION, _statements

    url = pg_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version in range(SCHEMA_VERSION - 1):  # the schema before the shards
            for statement in _statements(version, "postgresql"):
                conn.execute(statement.encode())
            conn.execute("INSERT INTO schema_version VALUES (%s)", (version + 1,))
        conn.execute("INSERT INTO turnout_hourly VALUES (7, '2026-11-28T09:00', 41)")
    prepare_database(parse_database_url(url))
    _sql(url, "INSERT INTO stations VALUES ('M1', 7, 10, 60, 1, 0)")
    _sql(url, "INSERT INTO voters VALUES ('MV', 'M1', 'a', 'b', '1980-01-01', %s)",
         (bytes(TEMPLATE_BYTES),))

    async def work(db: PostgresDatabase) -> int:
        item = CheckinInput("M1", "m", "MV", base64.b64encode(bytes(TEMPLATE_BYTES)).decode(),
                            datetime(2026, 11, 28, 8, 5, tzinfo=UTC))
        return (await check_in(db, item)).status

    assert _run(url, work) == 201
    assert _sql(url, "SELECT * FROM turnout_hourly") == [(7, "2026-11-28T09:00", 42)]


def test_one_batch_inserts_what_one_by_one_would(pg_url: str) -> None:
    """Every case of the one-row test in a single statement, plus the same voter and the
    same key twice within the batch: exactly the rows one-by-one statements insert."""
    enrolled, far = _seed_decision_cases(pg_url, "B", voters=10)
    cases = {
        "plain": ("B1", "b0", "BV0", enrolled),
        "same voter, other key": ("B1", "b1", "BV0", enrolled),
        "key remembered for a refusal": ("B1", "remembered", "BV3", enrolled),
        "unknown station": ("B9", "b2", "BV2", enrolled),
        "unknown voter": ("B1", "b3", "nobody", enrolled),
        "template mismatch": ("B1", "b4", "BV4", far),
        "station closed": ("B3", "b5", "BV5", enrolled),
        "away from home": ("B2", "b6", "BV6", enrolled),
        "first of a key": ("B1", "b7", "BV7", enrolled),
        "same key, another voter": ("B1", "b7", "BV8", enrolled),
    }
    ids = {name: f"id-{n}" for n, name in enumerate(cases)}
    batch = []
    for name, (station, key, voter, template) in cases.items():
        params = accept_params(ids[name], voter, station, key, SCAN, "now", template)
        assert params is not None
        batch.append(params)

    async def work(db: PostgresDatabase) -> set[str]:
        return await db._accept_batch(batch)

    got = _run(pg_url, work)
    inserted = {name for name, checkin_id in ids.items() if checkin_id in got}
    # Both of BV0's rows qualify and one is inserted; BV7 goes before BV8 (voter order),
    # so the key's first use is BV7's.
    assert len(inserted & {"plain", "same voter, other key"}) == 1
    assert inserted - {"plain", "same voter, other key"} == {"away from home",
                                                              "first of a key"}
    assert sorted(_sql(pg_url, "SELECT voter_id FROM checkins WHERE voter_id LIKE 'BV%%'")) \
        == [("BV0",), ("BV6",), ("BV7",)]
    assert _sql(pg_url, "SELECT kind, station_id, voter_id, at FROM audit_events WHERE "
                "voter_id LIKE 'BV%%'") == [("away_from_home", "B2", "BV6", "now")]


def test_a_protocol_racing_a_batch_rejects_it_whole(pg_url: str) -> None:
    """The closed-station trigger fails the batch statement: nothing of it is inserted and
    every check-in of it goes to the general decision."""
    from service.store.pg_batch import BatchRejected

    _sql(pg_url, "INSERT INTO stations VALUES ('Q1', 1, 10, 0, 1, 0)")
    _sql(pg_url, "INSERT INTO stations VALUES ('Q2', 1, 10, 0, 1, 0)")
    for voter, station in (("QV0", "Q1"), ("QV1", "Q2")):
        _sql(pg_url, "INSERT INTO voters VALUES (%s, %s, 'a', 'b', '1980-01-01', %s)",
             (voter, station, bytes(TEMPLATE_BYTES)))
    _close_in_the_trigger(pg_url, "Q2")
    batch = [accept_params(f"q{k}", f"QV{k}", f"Q{k + 1}", f"q{k}", SCAN, "now",
                           bytes(TEMPLATE_BYTES)) for k in range(2)]

    async def work(db: PostgresDatabase) -> None:
        with pytest.raises(BatchRejected):
            await db._accept_batch([p for p in batch if p is not None])

    try:
        _run(pg_url, work)
    finally:
        _sql(pg_url, "CREATE OR REPLACE FUNCTION checkins_station_open() RETURNS trigger "
             "LANGUAGE plpgsql AS $body$ BEGIN RETURN NEW; END $body$")
    assert _sql(pg_url, "SELECT count(*) FROM checkins WHERE voter_id LIKE 'QV%%'") == [(0,)]


def test_concurrent_check_ins_are_batched_and_each_voter_accepted_once(pg_url: str) -> None:
    """400 concurrent check-ins, each of 200 voters twice at two stations: 200 accepted, 200
    refused as already checked in, turnout equal to the check-ins, in fewer statements."""
    enrolled = bytes(range(7, 7 + TEMPLATE_BYTES))
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO stations VALUES (%s, 200, 10, 0, 1, 0)",
                        [(f"C{s}",) for s in range(4)])
        cur.executemany("INSERT INTO voters VALUES (%s, %s, 'a', 'b', '1980-01-01', %s)",
                        [(f"CV{k:03d}", f"C{k % 4}", enrolled) for k in range(200)])
    statements: list[int] = []

    async def work(db: PostgresDatabase) -> list[int]:
        async def counted(batch: Any) -> set[str]:
            statements.append(len(batch))
            return await db._accept_batch(batch)

        db.batcher = CheckinBatcher(counted)
        items = [_item(f"C{(k + attempt) % 4}", f"c{attempt}-{k}", f"CV{k:03d}", enrolled)
                 for k in range(200) for attempt in (0, 1)]
        outcomes = await asyncio.gather(*(check_in(db, item) for item in items))
        return [o.status for o in outcomes]

    statuses = _run(pg_url, work)
    assert sorted(statuses) == [201] * 200 + [409] * 200
    assert _sql(pg_url, "SELECT count(DISTINCT voter_id), count(*) FROM checkins WHERE "
                "voter_id LIKE 'CV%%'") == [(200, 200)]
    assert _sql(pg_url, "SELECT sum(checkins)::BIGINT FROM turnout_hourly WHERE "
                "constituency_id = 200") == [(200,)]
    assert sum(statements) == 400 and len(statements) < 400 and max(statements) > 1
