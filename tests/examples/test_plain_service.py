"""The plain service's own dialect (its README), spoken to over HTTP in a subprocess."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.examples.plain_support import API_KEY, PLAIN, REPO, PlainServer, plain_server

SMOKE = REPO / "scenarios" / "smoke.toml"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PlainServer]:
    voters = tmp_path / "voters.csv"
    voters.write_text("station_id,voter_id\nPS00001,A-1\nPS00001,A-2\nPS00002,B-1\n")
    with plain_server(tmp_path / "plain.db", voters) as s:
        yield s


def headers(station: str, key: str = API_KEY, **more: str) -> dict[str, str]:
    return {"X-Api-Key": key, "X-Station": station, **more}


def checkin(s: PlainServer, station: str, voter: str, **h: str) -> httpx.Response:
    return httpx.post(f"{s.url}/api/stations/{station}/voters/{voter}/checkin",
                      json={"scanned_at": "2024-02-07T04:00:00+00:00"},
                      headers={**headers(station), **h}, timeout=10)


def test_checkins_answer_in_the_services_own_statuses(server: PlainServer) -> None:
    first = checkin(server, "PS00001", "A-1")
    assert first.status_code == 200
    assert set(first.json()["checkin"]) == {"id", "voter", "station", "at"}
    again = checkin(server, "PS00002", "A-1")
    assert again.status_code == 409 and again.json()["error"] == "already_voted"
    assert checkin(server, "PS00001", "Z-9").json() == {"error": "unknown_voter"}
    assert checkin(server, "PS00001", "B-1").status_code == 403  # another station's voter
    wrong_key = httpx.post(f"{server.url}/api/stations/PS00001/voters/A-2/checkin",
                           json={}, headers=headers("PS00001", key="nope"), timeout=10)
    assert wrong_key.status_code == 401
    mismatch = httpx.post(f"{server.url}/api/stations/PS00001/voters/A-2/checkin",
                          json={}, headers=headers("PS00002"), timeout=10)
    assert (mismatch.status_code, mismatch.json()) == (403, {"error": "station_header_mismatch"})
    db = sqlite3.connect(server.db)
    assert db.execute("SELECT voter_id, station_id FROM checkins").fetchall() == [
        ("A-1", "PS00001")]
    assert db.execute("SELECT COUNT(*) FROM refusals").fetchone() == (1,)


def test_the_same_idempotency_key_gets_the_first_answer_again(server: PlainServer) -> None:
    a = checkin(server, "PS00001", "A-2", **{"Idempotency-Key": "k-1"})
    b = checkin(server, "PS00001", "A-2", **{"Idempotency-Key": "k-1"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    c = checkin(server, "PS00001", "A-2", **{"Idempotency-Key": "k-2"})
    assert c.status_code == 409
    db = sqlite3.connect(server.db)
    assert db.execute("SELECT COUNT(*) FROM checkins").fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM refusals").fetchone() == (1,)


def test_counts_are_checked_stored_once_and_summed(server: PlainServer) -> None:
    def put(station: str, body: dict[str, object]) -> httpx.Response:
        return httpx.put(f"{server.url}/api/stations/{station}/count", json=body,
                         headers=headers(station), timeout=10)

    good = {"issued": 5, "valid": 4, "invalid": 1, "per_candidate": {"A": 3, "B": 1}}
    assert put("PS00001", {**good, "valid": 5}).status_code == 422  # does not add up
    assert put("PS00001", good).status_code == 201
    assert put("PS00001", good).status_code == 200
    assert put("PS00001", {**good, "per_candidate": {"A": 4, "B": 0}}).status_code == 409
    assert put("PS00002", {"issued": 2, "valid": 2, "invalid": 0,
                           "per_candidate": {"A": 1, "B": 1}}).status_code == 201
    tally = httpx.get(f"{server.url}/api/tally", timeout=10).json()
    assert tally == {"stations_counted": 2, "per_candidate": {"A": 4, "B": 2}}


def test_the_example_voters_csv_is_what_make_voters_writes_for_smoke(tmp_path: Path) -> None:
    out = tmp_path / "voters.csv"
    subprocess.run([sys.executable, str(PLAIN / "make_voters.py"), str(SMOKE), str(out)],
                   check=True, capture_output=True, env={"PYTHONPATH": str(REPO)})
    assert out.read_text() == (PLAIN / "voters.csv").read_text()
    with out.open() as f:
        ids = [row["voter_id"] for row in csv.DictReader(f)]
    assert len(set(ids)) == len(ids) and all(i.startswith("AZ-") for i in ids)
