"""The replay sends every protocol upload attempt, failed ones included, to the real reference
service (loopback): a failed attempt is refused with 422 and changes nothing; the attempt that
goes through is accepted (issue 23)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import simulation
from loadtests.adapter import Adapter, AdapterContext, ProtocolCounts
from loadtests.ledger import read_ledger
from loadtests.register.files import write_register
from simulation import EventKind
from simulation.outputs.schedule import save as save_schedule
from tests.service.service_support import ADMIN_TOKEN, SECRET, Server

REPO = Path(__file__).resolve().parents[2]
STORM = REPO / "scenarios" / "results-retry-storm.toml"
LOCUST = str(Path(sys.executable).with_name("locust"))
STATIONS = 12


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The retry-storm scenario cut to 12 stations, simulated once."""
    base = tmp_path_factory.mktemp("storm")
    text = STORM.read_text(encoding="utf-8").replace("count = 300", f"count = {STATIONS}")
    assert tomllib.loads(text)["station_groups"][0]["count"] == STATIONS
    sim = base / "sim"
    sim.mkdir()
    (sim / "scenario.toml").write_text(text, encoding="utf-8")
    scenario = simulation.load_scenario(sim / "scenario.toml")
    schedule = simulation.simulate(scenario, workers=1).schedule
    save_schedule(sim / "schedule.npy", schedule)
    write_register(scenario, base / "register.ndjson", workers=1)
    return {"sim": sim, "schedule": schedule, "register": base / "register.ndjson"}


@pytest.fixture
def service(storm: dict[str, Any], tmp_path: Path) -> Iterator[Server]:
    with Server(f"sqlite:///{tmp_path / 'service.db'}", register=storm["register"],
                cwd=tmp_path) as server:
        yield server


def test_a_failed_attempt_is_a_protocol_that_does_not_add_up() -> None:
    adapter = Adapter(AdapterContext(secret="s", scenario=None))  # type: ignore[arg-type]
    counts = ProtocolCounts(0, "PS00001", 10, 9, 1, {"A": 5, "B": 4})
    req = adapter.failed_protocol(counts, 3)
    body = json.loads(req.body or b"{}")
    assert (req.method, req.path) == ("POST", "/v1/protocols")
    assert req.name == "/v1/protocols (failed attempt)" and req.expected == {422}
    assert body["ballots_valid"] == 10 != sum(body["votes"].values())
    assert req.headers["X-Upload-Attempt"] == "3"
    assert adapter.protocol(counts).expected == {200, 201}


@pytest.mark.slow
def test_the_replay_sends_every_attempt_and_the_service_refuses_the_failed_ones(
    storm: dict[str, Any], service: Server, tmp_path: Path
) -> None:
    rows = storm["schedule"]
    failed = int((rows["kind"] == EventKind.PROTOCOL_FAILED).sum())
    arrived = int((rows["kind"] == EventKind.PROTOCOL).sum())
    assert failed > 5  # the storm is there: p = 0.7, about 2.2 failed attempts a station
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("POLLDAY_SECRET", None)
    proc = subprocess.run(
        [LOCUST, "-f", str(REPO / "loadtests" / "locustfile.py"), "--headless",
         "--host", service.url, "--schedule", str(storm["sim"]), "--secret", SECRET,
         "--compress", "4000", "--results-rps", "0", "--webcam-rps", "0",
         "--pollday-out", str(out), "--only-summary"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]
    endpoints = json.loads((out / "loadtest.json").read_text())["endpoints"]
    # Every attempt of the schedule was sent: the failed ones refused, as they must be.
    assert endpoints["POST /v1/protocols (failed attempt)"]["statuses"] == {"422": failed}
    assert endpoints["POST /v1/protocols (failed attempt)"]["errors"] == {}
    assert endpoints["POST /v1/protocols"]["statuses"] == {"201": arrived}
    # ...and changed nothing: the service holds exactly the protocols that went through.
    counters = httpx.get(f"{service.url}/admin/counters", timeout=10,
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert counters["protocols_accepted"] == arrived
    ledger = [e for e in read_ledger(out / "ledger.ndjson") if e["kind"] == "protocol"]
    assert len(ledger) == arrived and all(e["status"] == 201 for e in ledger)
    assert np.isin(rows["kind"], (EventKind.PROTOCOL, EventKind.PROTOCOL_FAILED)).sum() == \
        failed + arrived
