"""The audit against a target that loses or doubles things: the real reference service, real
check-ins and protocols through the reference adapter, then its SQLite database tampered with
behind its back (or the ledger made to claim what did not happen)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from loadtests.adapter import Adapter, AdapterContext, CheckinItem, HttpRequest, ProtocolCounts
from loadtests.audit import AuditError, audit
from loadtests.ledger import Ledger, entry_dict, write_ledger
from loadtests.plan import kept_stations
from loadtests.register import rescan
from loadtests.register import synthetic as register
from pollday.run.register import write_run_register
from simulation import Scenario, load_scenario, station_code
from tests.html_server import html_server

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"
SECRET, ADMIN = "audit-test-secret", "audit-test-admin"
SHARE = 0.1  # two stations of the smoke scenario: a few hundred voters, a fast start
VOTERS_PER_STATION = 30
# Votes of each station's protocol: (A, B, C) for 30 ballots, 2 of them invalid.
VOTES = {"Candidate A": 16, "Candidate B": 9, "Candidate C": 3}


@dataclass
class Target:
    url: str
    db: Path
    scenario: Scenario
    stations: list[int]


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    """``pollday serve`` on a fresh SQLite file with the register of two smoke stations."""
    scenario = load_scenario(SMOKE)
    reg = tmp_path / "register.ndjson"
    write_run_register(scenario, reg, SHARE)
    db = tmp_path / "service.sqlite"
    env = {**os.environ, "POLLDAY_SECRET": SECRET, "POLLDAY_ADMIN_TOKEN": ADMIN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pollday", "serve", "--port", "0", "--database-url",
         f"sqlite:///{db}", "--register", str(reg)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=tmp_path)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        assert url.startswith("http://127.0.0.1:"), url
        stations = kept_stations(20, SHARE, scenario.election.seed).tolist()
        assert len(stations) == 2
        yield Target(url, db, scenario, stations)
    finally:
        proc.terminate()
        proc.wait(20)


def _send(client: httpx.Client, req: HttpRequest) -> httpx.Response:
    return client.request(req.method, req.path, content=req.body, headers=req.headers)


def _item(target: Target, station: int, home: int, voter: int, key: str) -> CheckinItem:
    opening = dt.datetime.combine(target.scenario.election.date, dt.time(9), tzinfo=dt.UTC)
    return CheckinItem(
        station=station, station_id=station_code(station), voter=voter, home_station=home,
        voter_id=register.voter_id(home, voter),
        template_b64=rescan(home, voter, target.scenario.election.seed, 0),
        scanned_at=opening, idempotency_key=key, duplicate=home != station)


def replay_a_little(target: Target, ledger_path: Path) -> Ledger:
    """Check in 30 voters at each station, one duplicate attempt, a protocol per station;
    every answer goes into the ledger, as the load generator records it."""
    adapter = Adapter(AdapterContext(target.scenario, SECRET))
    ledger = Ledger()
    first, second = target.stations
    with httpx.Client(base_url=target.url, timeout=10) as client:
        for station in target.stations:
            for voter in range(VOTERS_PER_STATION):
                item = _item(target, station, station, voter, f"k-{station}-{voter}")
                resp = _send(client, adapter.checkin(item))
                answer = adapter.parse_checkin(item, resp.status_code, resp.content)
                ledger.record("checkin", station, item.station_id, voter, station,
                              item.voter_id, answer.status, answer.checkin_id, item.idempotency_key)
        # A voter of the first station tries again at the second: the service must refuse.
        dup = _item(target, second, first, 0, "k-dup")
        resp = _send(client, adapter.checkin(dup))
        ledger.record("duplicate", second, dup.station_id, 0, first, dup.voter_id,
                      resp.status_code, None, dup.idempotency_key)
        for station in target.stations:
            counts = ProtocolCounts(station, station_code(station), VOTERS_PER_STATION,
                                    VOTERS_PER_STATION - 2, 2, VOTES)
            resp = _send(client, adapter.protocol(counts))
            ledger.record("protocol", station, counts.station_id, -1, station, None,
                          resp.status_code, None, None, counts.as_dict())
    write_ledger(ledger_path, ledger.entries)
    return ledger


def _statuses(ledger: Ledger) -> list[tuple[str, int]]:
    return sorted({(e[0], e[6]) for e in ledger.entries})


def _tamper(db: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    # Behind the service's back, as a lost write or a corrupted count would; bumping the
    # results version makes the service re-render its (cached) results.
    with sqlite3.connect(db, timeout=30) as conn:
        for sql, params in statements:
            assert conn.execute(sql, params).rowcount == 1, sql
        conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'results_version'")


def test_an_untouched_target_passes_then_a_lost_checkin_and_a_forged_vote_show(
        target: Target, tmp_path: Path) -> None:
    ledger_path = tmp_path / "ledger.ndjson"
    ledger = replay_a_little(target, ledger_path)
    assert _statuses(ledger) == [("checkin", 201), ("duplicate", 409), ("protocol", 201)]
    clean = audit(ledger_path, target.url, ADMIN)
    assert clean["acknowledged_checkins"] == 2 * VOTERS_PER_STATION
    assert (clean["lost_checkins"], clean["double_acceptances"], clean["duplicates_accepted"],
            clean["results_mismatch"], clean["ledger_unconfirmed"]) == (0, 0, 0, 0, 0)
    assert clean["result_votes"] == {n: 2 * v for n, v in VOTES.items()}

    lost = next(entry_dict(e) for e in ledger.entries if e[0] == "checkin")
    _tamper(target.db,
            ("DELETE FROM checkins WHERE checkin_id = ?", (lost["checkin_id"],)),
            ("UPDATE protocol_votes SET votes = votes + 3 WHERE station_id = ? AND "
             "candidate = 'Candidate A'", (station_code(target.stations[0]),)))
    tampered = audit(ledger_path, target.url, ADMIN)
    assert tampered["lost_checkins"] == 1
    assert tampered["results_mismatch"] == 3  # three forged votes for Candidate A
    assert tampered["double_acceptances"] == 0 and tampered["duplicates_accepted"] == 0


def test_an_extra_protocol_the_harness_never_sent_is_a_mismatch(
        target: Target, tmp_path: Path) -> None:
    ledger_path = tmp_path / "ledger.ndjson"
    replay_a_little(target, ledger_path)
    other = station_code(next(s for s in range(20) if s not in target.stations))
    _tamper(target.db,
            ("INSERT INTO protocols SELECT ?, constituency_id, ballots_issued, ballots_valid, "
             "ballots_invalid, digest, body, accepted_at FROM protocols WHERE station_id = ?",
             (other, station_code(target.stations[0]))),
            ("INSERT INTO protocol_votes VALUES (?, 1, 'Candidate B', 5)", (other,)))
    found = audit(ledger_path, target.url, ADMIN)
    assert found["results_mismatch"] == 5 + 1  # five votes, and one station too many
    assert found["lost_checkins"] == 0


def test_a_ledger_claiming_a_duplicate_or_a_second_key_was_accepted(
        target: Target, tmp_path: Path) -> None:
    ledger_path = tmp_path / "ledger.ndjson"
    ledger = replay_a_little(target, ledger_path)
    lines = [entry_dict(e) for e in ledger.entries]
    dup = next(e for e in lines if e["kind"] == "duplicate")
    assert dup["status"] == 409  # the service refused it ...
    dup["status"] = 201  # ... but say the harness had been told "accepted"
    forged = tmp_path / "forged.ndjson"
    forged.write_text("".join(json.dumps(e) + "\n" for e in lines))
    found = audit(forged, target.url, ADMIN)
    assert found["duplicates_accepted"] == 1
    assert found["double_acceptances"] == 0 and found["lost_checkins"] == 0

    # The same voter acknowledged under a second idempotency key: accepted twice.
    first = next(e for e in lines if e["kind"] == "checkin")
    lines.append({**first, "idempotency_key": "another-key"})
    forged.write_text("".join(json.dumps(e) + "\n" for e in lines))
    assert audit(forged, target.url, ADMIN)["double_acceptances"] == 1


@pytest.mark.parametrize(("html_200", "said"), [(False, "answered 404"),
                                                (True, "not a JSON object")])
def test_a_target_without_the_admin_contract_is_an_audit_error_not_lost_checkins(
        tmp_path: Path, html_200: bool, said: str) -> None:
    ledger = tmp_path / "ledger.ndjson"
    ledger.write_text(json.dumps({"kind": "checkin", "station": 0, "station_id": "PS00001",
                                  "voter": 0, "home_station": 0, "voter_id": "V1",
                                  "status": 201, "checkin_id": "c1",
                                  "idempotency_key": "k"}) + "\n")
    with html_server(counters_200=html_200) as url, pytest.raises(AuditError) as raised:
        audit(ledger, url, ADMIN)
    message = str(raised.value)
    assert "GET /admin/counters" in message and said in message
    assert "admin contract" in message


def _flaky_client(failures: int) -> tuple[httpx.Client, list[str]]:
    """A client whose first ``failures`` requests die as a reused, server-closed keep-alive
    connection does (EBADF), then are answered."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= failures:
            raise httpx.ReadError("[Errno 9] Bad file descriptor", request=request)
        return httpx.Response(200, json={"checkins_accepted": 1, "distinct_voters_accepted": 1})

    return httpx.Client(base_url="http://target", transport=httpx.MockTransport(handler)), calls


def test_an_audit_lookup_survives_a_dropped_keep_alive_connection() -> None:
    from loadtests.audit.contract import _get

    client, calls = _flaky_client(failures=3)
    assert _get(client, "/admin/counters").status_code == 200
    assert calls == ["/admin/counters"] * 4


def test_an_audit_lookup_that_keeps_failing_is_an_audit_error_naming_the_attempts() -> None:
    from loadtests.audit.contract import _get

    client, calls = _flaky_client(failures=10)
    with pytest.raises(AuditError, match=r"/admin/counters failed after 4 attempts: .*Errno 9"):
        _get(client, "/admin/counters")
    assert len(calls) == 4
