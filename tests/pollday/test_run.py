"""``pollday run`` end to end: the real CLI, the real service, real Locust subprocesses."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from loadtests.plan import kept_stations

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"
SECRET, ADMIN = "run-test-secret", "run-test-admin"


def pollday(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POLLDAY_SECRET": SECRET, "POLLDAY_ADMIN_TOKEN": ADMIN}
    return subprocess.run(
        [sys.executable, "-m", "pollday", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("register") / "register.ndjson"
    done = pollday("register", str(SMOKE), "--out", str(path), "--workers", "1")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def faulty_service(tmp_path: Path, register: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """``pollday serve`` with the fault options the test names; yields its URL."""
    args: list[str] = request.param
    env = {**os.environ, "POLLDAY_SECRET": SECRET, "POLLDAY_ADMIN_TOKEN": ADMIN}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pollday",
            "serve",
            "--port",
            "0",
            "--database-url",
            f"sqlite:///{tmp_path / 'db.sqlite'}",
            "--register",
            str(register),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


def _summary(out: Path) -> dict[str, object]:
    return json.loads((out / "summary.json").read_text())


@pytest.mark.slow
def test_smoke_against_the_embedded_service_meets_every_threshold(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = pollday("run", str(SMOKE), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr + done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdict"] == "met"
    assert all(v["verdict"] == "met" for v in summary["thresholds"])
    audit = summary["audit"]
    assert audit["lost_checkins"] == 0 and audit["double_acceptances"] == 0
    assert audit["duplicates_accepted"] == 0 and audit["results_mismatch"] == 0
    # Every simulated vote was acknowledged, and results equal the protocols sent.
    assert audit["acknowledged_checkins"] == summary["voted"]
    assert audit["result_votes"] == audit["protocol_votes"]
    assert sum(audit["result_votes"].values()) > 0
    generator = summary["loadtest"]["generator"]
    assert generator["fired_events"] == generator["scheduled_events"] > 0
    loop = summary["closed_loop"]
    assert loop["measured"] and loop["with_measured_latency"]["p95_wait_min"] >= 0
    cases = ET.parse(out / "junit.xml").getroot().iter("testcase")
    assert len(list(cases)) == len(summary["thresholds"])
    for name in (
        "stations.csv",
        "schedule.npy",
        "loadtest/loadtest.json",
        "loadtest/ledger.ndjson",
        "loadtest/locust_stats.csv",
        "loadtest/locust.html",
    ):
        assert (out / name).is_file(), name


@pytest.mark.slow
@pytest.mark.parametrize(
    "faulty_service",
    [
        [
            "--inject-latency-ms",
            "400",
            "--inject-error-rate",
            "0.05",
            # 500 is not retried (503 would be, and three tries of 5 % leave ~0.01 % errors).
            "--inject-error-status",
            "500",
            "--inject-endpoints",
            "checkins",
        ]
    ],
    indirect=True,
)
def test_slow_target_fails_and_junit_names_the_threshold(
    tmp_path: Path, faulty_service: str
) -> None:
    out = tmp_path / "run"
    done = pollday("run", str(SMOKE), "--host", faulty_service, "--out", str(out), "--quiet")
    assert done.returncode == 1, done.stderr + done.stdout
    failed = [v for v in _summary(out)["thresholds"] if v["verdict"] != "met"]  # type: ignore[union-attr]
    assert "checkin.p95_ms < 300" in [v["rule"] for v in failed]
    failures = [
        case.get("name")
        for case in ET.parse(out / "junit.xml").getroot().iter("testcase")
        if case.find("failure") is not None
    ]
    assert "checkin.p95_ms < 300" in failures
    assert "checkin.error_rate < 0.01" in failures
    assert "audit.lost_checkins == 0" not in failures  # slow, but nothing lost


@pytest.mark.slow
@pytest.mark.parametrize(
    "faulty_service",
    [["--inject-stall-s", "2", "--inject-stall-after-s", "12", "--inject-endpoints", "checkins"]],
    indirect=True,
)
def test_a_stall_shows_from_intended_times_not_in_plain_latency(
    tmp_path: Path, faulty_service: str
) -> None:
    out = tmp_path / "run"
    done = pollday("run", str(SMOKE), "--host", faulty_service, "--out", str(out), "--quiet")
    assert done.returncode in (0, 1), done.stderr + done.stdout
    checkin = next(
        e
        for e in _summary(out)["loadtest"]["endpoints"].values()  # type: ignore[index]
        if e["figure"] == "checkin"
    )
    # Requests held back by the per-station cap waited in the generator, not at the server.
    assert checkin["p99_ms_intended"] >= 1000, checkin
    assert checkin["p99_ms"] < 1000, checkin


@pytest.mark.slow
def test_distributed_mode_replays_every_event_of_the_share_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = pollday(
        "run", str(SMOKE), "--out", str(out), "--workers", "2", "--station-share", "0.5", "--quiet"
    )
    assert done.returncode in (0, 1), done.stderr + done.stdout
    summary = _summary(out)
    generator = summary["loadtest"]["generator"]  # type: ignore[index]
    assert generator["workers"] == 2
    assert generator["fired_events"] == generator["scheduled_events"] > 0
    kept = kept_stations(20, 0.5, 42).tolist()
    with (out / "stations.csv").open() as f:
        voted_at_kept = sum(int(r["voted"]) for r in csv.DictReader(f) if int(r["index"]) in kept)
    ledger = [json.loads(line) for line in (out / "loadtest" / "ledger.ndjson").open()]
    checkins = [e for e in ledger if e["kind"] in ("checkin", "sync_checkin")]
    assert {e["station"] for e in checkins} == set(kept)
    voters = [(e["station"], e["voter"]) for e in checkins]
    assert len(voters) == len(set(voters)) == voted_at_kept
    assert summary["audit"]["lost_checkins"] == 0  # type: ignore[index]


def test_unreachable_target_exits_3_with_a_clear_message(tmp_path: Path) -> None:
    done = pollday(
        "run",
        str(SMOKE),
        "--host",
        "http://127.0.0.1:9",
        "--out",
        str(tmp_path),
        "--quiet",
        timeout=120,
    )
    assert done.returncode == 3
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr


def test_non_loopback_target_is_refused_before_any_traffic(tmp_path: Path) -> None:
    done = pollday(
        "run",
        str(SMOKE),
        "--host",
        "http://192.0.2.10:8080",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
        timeout=120,
    )
    assert done.returncode == 2
    assert "--allow-remote" in done.stderr
    assert not (tmp_path / "run").exists()  # refused before simulating or sending anything


def test_bad_threshold_in_scenario_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMOKE.read_text().replace('"checkin.p95_ms < 300"', '"checkin.p97_ms < 300"'))
    done = pollday("run", str(bad), "--out", str(tmp_path / "run"), "--quiet", timeout=120)
    assert done.returncode == 2
    assert "thresholds[0]" in done.stderr and "unknown figure" in done.stderr
