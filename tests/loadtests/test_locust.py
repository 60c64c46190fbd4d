"""Real Locust runs (subprocesses) of the smoke day against the real reference service."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import simulation
from loadtests.ledger import read_ledger
from loadtests.register.files import write_register
from simulation.outputs.schedule import save as save_schedule
from tests.service.service_support import ADMIN_TOKEN, SECRET, Server

REPO = Path(__file__).resolve().parents[2]

SMOKE = REPO / "scenarios" / "smoke.toml"
LOCUST = str(Path(sys.executable).with_name("locust"))


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The smoke scenario simulated once: schedule folder and register file."""
    base = tmp_path_factory.mktemp("smoke")
    scenario = simulation.load_scenario(SMOKE)
    sim = base / "sim"
    sim.mkdir()
    schedule = simulation.simulate(scenario, workers=1).schedule
    save_schedule(sim / "schedule.npy", schedule)
    shutil.copy(SMOKE, sim / "scenario.toml")
    write_register(scenario, base / "register.ndjson", workers=1)
    return {"scenario": scenario, "sim": sim, "schedule": schedule,
            "register": base / "register.ndjson"}


@pytest.fixture
def service(smoke: dict[str, Any], tmp_path: Path) -> Iterator[Server]:
    with Server(f"sqlite:///{tmp_path / 'service.db'}", register=smoke["register"],
                cwd=tmp_path) as server:
        yield server


def locust(*args: str, cwd: Path, timeout_s: float = 150) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("POLLDAY_SECRET", None)
    return subprocess.run([LOCUST, "-f", str(REPO / "loadtests" / "locustfile.py"), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


def counters(server: Server) -> dict[str, int]:
    r = httpx.get(f"{server.url}/admin/counters", timeout=10,
                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    r.raise_for_status()
    data: dict[str, int] = r.json()
    return data


def kept_rows(smoke: dict[str, Any], share: float) -> np.ndarray:
    from loadtests.plan import kept_stations, select_rows
    kept = kept_stations(20, share, smoke["scenario"].election.seed)
    rows: np.ndarray = select_rows(smoke["schedule"], kept)
    return rows


def check_run(out: Path, server: Server, rows: np.ndarray, workers: int) -> dict[str, Any]:
    """Every scheduled event fired once, and the ledger agrees with the service."""
    report = json.loads((out / "loadtest.json").read_text())
    gen = report["generator"]
    assert gen["workers"] == workers
    assert gen["scheduled_events"] == gen["fired_events"] == len(rows)
    assert gen["dropped_events"] == 0 and gen["duplicates_without_candidate"] == 0
    assert gen["harness_errors"] == gen["missing_workers"] == gen["abandoned_in_flight"] == 0
    assert gen["lag_p99_ms"] is not None
    ledger = list(read_ledger(out / "ledger.ndjson"))
    kinds = Counter(e["kind"] for e in ledger)
    expected = Counter({"checkin": int((rows["kind"] == 0).sum()),
                        "duplicate": int((rows["kind"] == 1).sum()),
                        "sync_checkin": int((rows["kind"] == 2).sum()),
                        "sync_duplicate": int((rows["kind"] == 3).sum()),
                        "protocol": int((rows["kind"] == 4).sum())})
    assert kinds == +expected
    genuine = [e for e in ledger if e["kind"] in ("checkin", "sync_checkin")]
    dups = [e for e in ledger if e["kind"] in ("duplicate", "sync_duplicate")]
    assert all(e["status"] == 201 and e["checkin_id"] for e in genuine)
    assert all(e["status"] == 409 for e in dups)
    assert len({e["voter_id"] for e in genuine}) == len(genuine)
    assert len({e["idempotency_key"] for e in ledger if e["idempotency_key"]}) == \
        len(genuine) + len(dups)
    c = counters(server)
    assert c["checkins_accepted"] == c["distinct_voters_accepted"] == len(genuine)
    assert c["refused_duplicates"] == len(dups)
    protocols = [e for e in ledger if e["kind"] == "protocol"]
    assert all(e["status"] == 201 for e in protocols)
    assert c["protocols_accepted"] == len(protocols)
    results = httpx.get(f"{server.url}/v1/results", timeout=10).json()
    votes = Counter[str]()
    for p in protocols:
        votes.update(p["protocol"]["votes"])
    assert {r["name"]: r["votes"] for r in results["candidates"]} == dict(votes)
    eps = report["endpoints"]
    assert eps["POST /v1/checkins"]["requests"] == expected["checkin"]
    assert eps["POST /v1/checkins"]["errors"] == {}
    assert eps["POST /v1/checkins (duplicate)"]["statuses"] == {"409": expected["duplicate"]}
    assert eps["POST /v1/protocols"]["statuses"] == {"201": expected["protocol"]}
    assert report["checkin_latency_ms"]["count"] >= expected["checkin"]
    return report


@pytest.mark.slow
def test_headless_replay_of_the_smoke_day(smoke: dict[str, Any], service: Server,
                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    proc = locust("--headless", "--host", service.url, "--schedule", str(smoke["sim"]),
                  "--secret", SECRET, "--compress", "1500", "--pollday-out", str(out),
                  "--csv", str(tmp_path / "locust"), "--only-summary", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    elapsed = time.monotonic() - started
    span_s = float(smoke["schedule"]["time_s"].max()) / 1500
    assert span_s < elapsed < span_s + 30  # ends with the replay, not at a time limit
    report = check_run(out, service, smoke["schedule"], workers=1)
    assert report["endpoints"]["GET /v1/results"]["requests"] > 0
    assert report["endpoints"]["GET /v1/streams/[station]/snapshot"]["errors"] == {}
    assert report["options"]["compress"] == 1500
    # Locust's own statistics name the endpoints, and count every attempt.
    stats = (tmp_path / "locust_stats.csv").read_text()
    for name in ("POST,/v1/checkins,", "POST,/v1/checkins/batch,", "POST,/v1/protocols,",
                 "GET,/v1/results,"):
        assert name in stats


@pytest.mark.slow
def test_two_processes_replay_every_event_exactly_once(smoke: dict[str, Any], service: Server,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Options from a locust.conf, as a user would keep them.
    (tmp_path / "locust.conf").write_text(
        f"host = {service.url}\nheadless = true\nscenario = {SMOKE}\n"
        f"secret = {SECRET}\ncompress = 3000\nstation-share = 0.6\npollday-out = {out}\n"
        "only-summary = true\n")
    proc = locust("--processes", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = check_run(out, service, kept_rows(smoke, 0.6), workers=2)
    assert report["options"]["station_share"] == 0.6
    assert "replays" in proc.stderr and "worker 2/2" in proc.stderr


def test_bad_input_stops_before_any_traffic(tmp_path: Path) -> None:
    proc = locust("--headless", "--host", "http://127.0.0.1:9", "--scenario", str(SMOKE),
                  "--secret", "s", "--station-share", "2", cwd=tmp_path, timeout_s=60)
    assert proc.returncode == 2
    assert "--station-share must be in (0, 1]" in proc.stderr
    proc = locust("--headless", "--host", "http://127.0.0.1:9", "--scenario",
                  str(tmp_path / "missing.toml"), "--secret", "s", cwd=tmp_path, timeout_s=60)
    assert proc.returncode == 2 and "missing.toml" in proc.stderr


def test_options_are_read_from_tool_locust_in_pyproject(tmp_path: Path) -> None:
    # Locust reads [tool.locust] of ./pyproject.toml; our options must come through it too.
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.locust]\nheadless = true\nhost = "http://127.0.0.1:9"\nscenario = "{SMOKE}"\n'
        'secret = "s"\nstation-share = 3\n')
    proc = locust(cwd=tmp_path, timeout_s=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--station-share must be in (0, 1], got 3" in proc.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.slow
def test_web_ui_shows_the_replay_and_master_with_a_worker_writes_the_outputs(
        smoke: dict[str, Any], service: Server, tmp_path: Path) -> None:
    out, web, master_port = tmp_path / "out", free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    common = [LOCUST, "-f", str(REPO / "loadtests" / "locustfile.py")]
    master = subprocess.Popen(
        [*common, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
         str(master_port), "--expect-workers", "1", "--autostart", "--autoquit", "0",
         "--web-host", "127.0.0.1", "--web-port", str(web), "--host", service.url,
         "--scenario", str(SMOKE), "--secret", SECRET, "--compress", "4000",
         "--station-share", "0.3", "--pollday-out", str(out)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = subprocess.Popen(
        [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while master.poll() is None and time.monotonic() < deadline:
            try:
                stats = httpx.get(f"http://127.0.0.1:{web}/stats/requests", timeout=2).json()
                seen |= {s["name"] for s in stats["stats"]}
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        _, stderr = master.communicate(timeout=60)
    finally:
        for p in (master, worker):
            if p.poll() is None:
                p.kill()
                p.wait(10)
    assert master.returncode == 0, stderr[-3000:]
    assert "/v1/checkins" in seen
    check_run(out, service, kept_rows(smoke, 0.3), workers=1)
