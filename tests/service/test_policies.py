"""Protocol fingerprints over normalised counts, strict integer counts, and the two policies:
no check-in after the station's protocol was accepted; voters away from home accepted and
flagged for the audit. Stations 50-55 of the shared register are this module's."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest

from service.checkins import CheckinInput, _insert
from service.store.postgres import PostgresDatabase
from service.store.schema import STATION_CLOSED_SQLSTATE, prepare_database
from service.store.urls import parse_database_url
from tests.service.service_support import (
    CANDIDATES,
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
)
from tests.support.pgcluster import ThrowawayCluster


def _check_in(client: httpx.Client, register: Register, s: int, i: int,
              at: int | None = None) -> httpx.Response:
    station = register.station_id(s if at is None else at)
    return client.post("/v1/checkins", json=checkin_body(register, register.voter_id(s, i),
                       station), headers=station_headers(station))


def _protocol(station: str, votes: dict[str, Any], valid: Any = 3) -> dict[str, Any]:
    return {"station_id": station, "ballots_issued": 3, "ballots_valid": valid,
            "ballots_invalid": 0, "votes": votes}


def _submit(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/v1/protocols", json=body,
                       headers=station_headers(str(body["station_id"])))


def test_same_counts_with_an_explicit_zero_are_the_same_protocol(
    server: Server, register: Register
) -> None:
    with server.client() as client:
        for i in range(3):
            assert _check_in(client, register, 50, i).status_code == 201
        station = register.station_id(50)
        first = _submit(client, _protocol(station, {CANDIDATES[0]: 2, CANDIDATES[1]: 1}))
        assert first.status_code == 201, first.text
        explicit_zero = _protocol(station, {CANDIDATES[0]: 2, CANDIDATES[1]: 1, CANDIDATES[2]: 0})
        again = _submit(client, explicit_zero)
        assert again.status_code == 200, again.text
        assert again.json()["accepted_at"] == first.json()["accepted_at"]
        moved = _submit(client, _protocol(station, {CANDIDATES[0]: 1, CANDIDATES[1]: 2}))
        assert moved.status_code == 409


def test_vote_counts_must_be_json_integers(server: Server, register: Register) -> None:
    station = register.station_id(51)
    with server.client() as client:
        for bad in (2.0, True, "2"):
            body = _protocol(station, {CANDIDATES[0]: bad, CANDIDATES[1]: 1})
            answer = _submit(client, body)
            assert answer.status_code == 422, (bad, answer.text)
            assert answer.json()["error"] == "malformed_request"
        assert _submit(client, _protocol(station, {CANDIDATES[0]: 3}, valid=3.0)).status_code \
            == 422


def test_no_checkin_after_the_protocol_was_accepted(server: Server, register: Register) -> None:
    with server.client() as client:
        for i in range(3):
            assert _check_in(client, register, 52, i).status_code == 201
        station = register.station_id(52)
        accepted = _submit(client, _protocol(station, {CANDIDATES[0]: 3}))
        assert accepted.status_code == 201
        late = _check_in(client, register, 52, 3)
        assert late.status_code == 409, late.text
        assert late.json()["error"] == "protocol_already_accepted"
        assert late.json()["protocol_accepted_at"] == accepted.json()["accepted_at"]
        # The same key again gets the same refusal; the turnout did not move.
        results = client.get(f"/v1/results/constituencies/{register.constituency_of(52)}",
                             headers={"Cache-Control": "no-cache"}).json()
        lookup = client.get("/admin/counters", headers=admin_headers()).json()
        assert lookup["checkins_accepted"] == lookup["distinct_voters_accepted"]
        assert results["checkins_accepted"] >= 3


def test_voter_away_from_home_is_accepted_and_flagged(server: Server, register: Register) -> None:
    with server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
        away = _check_in(client, register, 53, 0, at=54)  # voter of station 53 votes at 54
        assert away.status_code == 201, away.text
        home = _check_in(client, register, 53, 1)
        assert home.status_code == 201
        after = client.get("/admin/counters", headers=admin_headers()).json()
        assert after["checkins_away_from_home"] - before["checkins_away_from_home"] == 1
        # Still one acceptance per voter: the same voter at home afterwards is a duplicate.
        assert _check_in(client, register, 53, 0).status_code == 409


@pytest.mark.postgres
def test_postgres_refuses_a_checkin_racing_the_protocol(pg_cluster: ThrowawayCluster) -> None:
    """The lookup saw the station open, the protocol committed, then the insert ran: the
    trigger refuses it (the check-in's lookup and insert are separate statements there)."""
    url = pg_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    prepare_database(parse_database_url(url))

    async def scenario() -> str:
        db = PostgresDatabase(parse_database_url(url))
        await db.open()
        try:
            async with db.read() as tx:
                await tx.execute("INSERT INTO stations VALUES ('S1', 1, 10, 240, 1, 0)")
                await tx.execute(
                    "INSERT INTO protocols VALUES ('S1', 1, 0, 0, 0, 'd', '{}', 'then')")
                item = CheckinInput("S1", "k1", "V1", "", datetime(2026, 11, 28, tzinfo=UTC))
                try:
                    await _insert(tx, item, "c1", "now", 1, 240)
                except psycopg.Error as exc:
                    return str(exc.sqlstate)
                return "inserted"
        finally:
            await db.close()

    assert asyncio.run(scenario()) == STATION_CLOSED_SQLSTATE
