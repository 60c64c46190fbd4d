"""The real Locust replay of the smoke day against the plain service, through the example
mapping file and the service's own voter ids: the ledger agrees with what the service stored."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import simulation
from loadtests.ledger import read_ledger
from tests.examples.plain_support import API_KEY, PLAIN, REPO, plain_server

SMOKE = REPO / "scenarios" / "smoke.toml"
MAPPING = PLAIN / "pollday-adapter.toml"
LOCUST = str(Path(sys.executable).with_name("locust"))
CHECKIN = "POST /api/stations/[station_id]/voters/[voter_id]/checkin"
COUNT = "PUT /api/stations/[station_id]/count"


def locust(*args: str, cwd: Path, timeout_s: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PLAIN_API_KEY": API_KEY}
    env.pop("POLLDAY_SECRET", None)
    return subprocess.run([LOCUST, "-f", str(REPO / "loadtests" / "locustfile.py"), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


@pytest.mark.slow
def test_the_smoke_day_through_the_mapping_file(tmp_path: Path) -> None:
    schedule = simulation.simulate(simulation.load_scenario(SMOKE), workers=1).schedule
    out = tmp_path / "out"
    with plain_server(tmp_path / "plain.db", PLAIN / "voters.csv") as server:
        # The mapping is named relative to the current folder, as a user would.
        proc = locust("--headless", "--host", server.url, "--scenario", str(SMOKE),
                      "--secret", "unused-by-this-target", "--compress", "1500",
                      "--adapter", "examples/plain_service/pollday-adapter.toml",
                      "--pollday-out", str(out), "--only-summary", cwd=REPO)
        assert proc.returncode == 0, proc.stderr[-3000:]
        tally = json.loads(subprocess.run(
            [sys.executable, "-c", f"import httpx; print(httpx.get('{server.url}/api/tally')"
                                   ".text)"], capture_output=True, text=True, check=True).stdout)
    report = json.loads((out / "loadtest.json").read_text())
    gen = report["generator"]
    assert gen["scheduled_events"] == gen["fired_events"] == len(schedule)
    assert gen["harness_errors"] == gen["duplicates_without_candidate"] == 0
    ledger = list(read_ledger(out / "ledger.ndjson"))
    kinds = Counter(e["kind"] for e in ledger)
    # No batch endpoint: offline syncs went as single check-ins, still ledgered as syncs.
    assert kinds == +Counter({"checkin": int((schedule["kind"] == 0).sum()),
                              "duplicate": int((schedule["kind"] == 1).sum()),
                              "sync_checkin": int((schedule["kind"] == 2).sum()),
                              "sync_duplicate": int((schedule["kind"] == 3).sum()),
                              "protocol": int((schedule["kind"] == 4).sum())})
    genuine = [e for e in ledger if e["kind"] in ("checkin", "sync_checkin")]
    dups = [e for e in ledger if e["kind"] in ("duplicate", "sync_duplicate")]
    assert genuine and dups
    assert all(e["status"] == 201 and e["checkin_id"] for e in genuine)
    assert all(e["status"] == 409 for e in dups)
    db = sqlite3.connect(server.db)
    stored = dict(db.execute("SELECT voter_id, id FROM checkins").fetchall())
    assert stored == {e["voter_id"]: e["checkin_id"] for e in genuine}
    assert all(v.startswith("AZ-") for v in stored)  # the service's own ids, not pollday's
    refused = db.execute("SELECT voter_id FROM refusals WHERE reason = 'already_voted'")
    assert Counter(v for (v,) in refused) == Counter(e["voter_id"] for e in dups)
    protocols = [e for e in ledger if e["kind"] == "protocol"]
    assert all(e["status"] == 201 for e in protocols)
    assert db.execute("SELECT COUNT(*) FROM counts").fetchone() == (len(protocols),)
    votes: Counter[str] = Counter()
    for p in protocols:
        votes.update(p["protocol"]["votes"])
    assert tally == {"stations_counted": len(protocols), "per_candidate": dict(votes)}
    eps = report["endpoints"]
    assert eps[CHECKIN]["statuses"] == {"200": len(genuine)} and eps[CHECKIN]["errors"] == {}
    assert eps[CHECKIN + " (duplicate)"]["statuses"] == {"409": len(dups)}
    assert eps[COUNT]["statuses"] == {"201": len(protocols)}
    assert eps["GET /api/tally"]["requests"] > 0 and eps["GET /api/tally"]["errors"] == {}
    assert report["checkin_latency_ms"]["endpoint"] == CHECKIN


def test_a_voters_csv_short_of_ids_is_bad_input_before_any_traffic(tmp_path: Path) -> None:
    lines = (PLAIN / "voters.csv").read_text().splitlines()
    (tmp_path / "voters.csv").write_text("\n".join(lines[:1000]) + "\n")
    (tmp_path / "m.toml").write_text(MAPPING.read_text())
    proc = locust("--headless", "--host", "http://127.0.0.1:9", "--scenario", str(SMOKE),
                  "--secret", "s", "--adapter", str(tmp_path / "m.toml"), "--only-summary",
                  "--pollday-out", str(tmp_path / "out"), cwd=tmp_path, timeout_s=60)
    assert proc.returncode == 2
    assert f"pollday: {tmp_path / 'voters.csv'}: no voter ids for" in proc.stderr
    assert "fired 0 of" in proc.stderr


def test_a_mapping_with_an_unset_key_variable_is_bad_input(tmp_path: Path) -> None:
    env_less = MAPPING.read_text().replace("PLAIN_API_KEY", "PLAIN_UNSET_KEY")
    (tmp_path / "m.toml").write_text(env_less.replace('"voters.csv"', f'"{PLAIN}/voters.csv"'))
    proc = locust("--headless", "--host", "http://127.0.0.1:9", "--scenario", str(SMOKE),
                  "--secret", "s", "--adapter", "m.toml", "--only-summary", cwd=tmp_path,
                  timeout_s=60)
    assert proc.returncode == 2
    assert ("m.toml:15:1: station_headers.X-Api-Key: '{env:PLAIN_UNSET_KEY}': "
            "{env:PLAIN_UNSET_KEY}: the environment variable PLAIN_UNSET_KEY is not set") \
        in proc.stderr
