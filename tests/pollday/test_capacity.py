"""``pollday capacity`` end to end: the real CLI, real Locust subprocesses, real targets.

The slowest tests of the suite are here; each level is a few seconds of replay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from pollday.capacity.judge import RATE_RULE
from pollday.capacity.voters import fresh_voters
from pollday.cli import main
from pollday.harness.failure import RunFailure
from pollday.models.capacity import CapacityOutput
from simulation.outputs.schedule import SCHEDULE_DTYPE
from tests.capacity_server import known_capacity

ROOT = Path(__file__).resolve().parents[2]
# The searches that measure where a stub target or the generator saturates run on one
# worker, one after another (pytest -n with --dist loadgroup; tests/conftest.py makes the
# groups hold under pytest 9): two such load generators on 2 cores at once would move each
# other's knee. The latency search below needs no quiet machine (its target sleeps, its
# generator's lag limit is loose) and runs beside them.
ONE_AT_A_TIME = pytest.mark.xdist_group("load-generator")
FLAT = Path(__file__).with_name("capacity_flat.toml")
# The flat test day offers about 1.55 requests/s per multiple of real time in 09:00-09:08.
WINDOW = "09:00-09:08"


def pollday(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POLLDAY_SECRET": "cap-secret", "POLLDAY_ADMIN_TOKEN": "cap-admin"}
    return subprocess.run([sys.executable, "-m", "pollday", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=env)


def scenario_with(tmp_path: Path, thresholds: list[str], voters_x: int = 1) -> Path:
    """The flat test scenario with other thresholds; ``voters_x`` times the registered
    voters at 1 / ``voters_x`` the turnout (the same load, more fresh voters for --host)."""
    text = FLAT.read_text()
    if voters_x != 1:
        text = (text.replace("value = 400 }", f"value = {400 * voters_x} }}")
                .replace("registered_max = 500", f"registered_max = {500 * voters_x}")
                .replace("turnout = 0.7\n", f"turnout = {0.7 / voters_x:g}\n"))
    start, end = text.index("thresholds = ["), text.index("]\n", text.index("thresholds = ["))
    path = tmp_path / "scenario.toml"
    path.write_text(text[:start] + f"thresholds = {json.dumps(thresholds)}" + text[end + 1:])
    return path


def capacity(scenario: Path, out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = pollday("capacity", str(scenario), "--out", str(out), "--window", WINDOW,
                   "--sim-workers", "1", "--quiet", *args)
    doc = json.loads((out / "capacity.json").read_text())
    assert CapacityOutput.read(out / "capacity.json").as_json() == doc  # the typed contract
    return done.returncode, doc, done.stderr


def per_multiple_rps(doc: dict[str, Any]) -> float:
    """Requests per second offered per unit of multiple (the same for every level)."""
    rates = [lvl["offered_rps"] / lvl["multiple"] for lvl in doc["levels"]]
    assert max(rates) / min(rates) < 1.05, rates
    return float(np.mean(rates))


def junit_cases(out: Path) -> dict[str, bool]:
    """Test case name -> passed."""
    root = ET.parse(out / "junit.xml").getroot()
    return {c.get("name", ""): c.find("failure") is None for c in root.iter("testcase")}


K, D_S = 8, 0.05  # at most 8 at once, 50 ms each: 160 requests per second


@pytest.mark.slow
@ONE_AT_A_TIME
@pytest.mark.parametrize(("run", "floor", "code"), [(1, 1000, 1), (2, 50, 0)])
def test_capacity_of_a_target_of_known_capacity(
    tmp_path: Path, run: int, floor: int, code: int
) -> None:
    """Saturates at k/d = 160 requests/s; found within 10 %, on each of two runs. The
    threshold on capacity.multiple decides the exit code (1000x fails, 50x holds)."""
    scenario = scenario_with(tmp_path, [
        "checkin.p95_ms < 250", "checkin.error_rate < 0.01", "generator.lag_p99_ms < 100",
        "audit.lost_checkins == 0", "audit.double_acceptances == 0",
        "audit.duplicates_accepted == 0", f"capacity.multiple >= {floor}"])
    with known_capacity(K, D_S) as server:
        exit_code, doc, stderr = capacity(
            scenario, tmp_path / "out", "--level-s", "5", "--host", server.url,
            "--start-multiple", "90",
            "--ramp-factor", "1.25", "--precision", "0.25")
    assert exit_code == code, stderr
    assert doc["capacity"]["outcome"] == "bracketed", doc["headline"]
    held, failed = doc["capacity"]["bracket"]
    rps = per_multiple_rps(doc)
    # The knee (the bracket's geometric middle) within 10 % of k/d, and the bracket itself
    # (what held, what failed) within 10 % of it on either side.
    knee_rps = (held * failed) ** 0.5 * rps
    assert abs(knee_rps / (K / D_S) - 1) <= 0.10, (knee_rps, doc["headline"])
    assert held * rps * 0.9 <= K / D_S <= failed * rps * 1.1, doc["headline"]
    # Latency breaks first; the answers may also have come at under 0.9 times the offer.
    breaks = doc["capacity"]["first_to_break"]
    assert breaks[0] == "checkin.p95_ms < 250" and set(breaks) <= {breaks[0], RATE_RULE}
    assert doc["capacity"]["multiple"] == held
    level = doc["levels"][0]
    assert set(level["endpoints"]["checkin"]) >= {"p50_ms", "p95_ms", "p99_ms",
                                                  "p95_ms_intended", "error_rate"}
    assert level["generator"]["dropped_events"] == 0
    assert doc["headline"].startswith(f"holds {held:g}x ({held:g}-{failed:g}x) real time")
    assert junit_cases(tmp_path / "out") == {f"capacity.multiple >= {floor}": code == 0,
                                             "capacity search completed": True}
    assert "Capacity" in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.slow
@ONE_AT_A_TIME
def test_a_target_faster_than_the_generator_is_reported_generator_bound(
    tmp_path: Path,
) -> None:
    # p95 < 500 ms: a level needs 5 s (not 45 s, as under 5,000 ms); at thousands of
    # requests a second that is tens of thousands of fresh voters. On a quiet 2-core box the
    # generator held 1,600x (2,443 check-ins/s) and 10 times the register ran out of fresh
    # voters at 2,263x, before the generator's limit: 80 times the register reaches 3,200x
    # (about 4,900 check-ins/s, past one generator process on any 2-core machine).
    scenario = scenario_with(tmp_path, ["checkin.p95_ms < 500", "generator.lag_p99_ms < 20",
                                        "audit.lost_checkins == 0"], voters_x=80)
    with known_capacity(10_000, 0.0) as server:
        exit_code, doc, stderr = capacity(
            scenario, tmp_path / "out", "--level-s", "5", "--host", server.url,
            "--start-multiple", "400", "--ramp-factor", "2", "--max-multiple", "20000",
            "--precision", "0.5")  # the ramp's last held level and the bound: no bisection
    assert doc["capacity"]["outcome"] == "generator-bound", doc["headline"]
    assert doc["capacity"]["bracket"][1] is None  # never a target's breaking point
    bound = doc["capacity"]["generator_bound_at"]
    assert {lvl["verdict"] for lvl in doc["levels"]} == {"held", "generator-bound"}
    at_bound = [lvl for lvl in doc["levels"] if lvl["multiple"] == bound]
    assert at_bound[0]["verdict"] == "generator-bound"
    assert any(r.startswith("generator.lag_p99_ms") for r in at_bound[0]["failing"])
    assert f"generator-bound at {bound:g}x" in doc["headline"]
    assert "Locust processes" in doc["headline"] and "--load-workers" in doc["headline"]
    assert exit_code == 3 and "generator-bound" in stderr
    assert junit_cases(tmp_path / "out") == {"capacity search completed": False}


# Each latency its own test: the two searches can run at once, on two workers.
@pytest.mark.slow
@pytest.mark.parametrize(("latency_ms", "start"), [(20, "76"), (800, "40")])
def test_capacity_of_the_reference_service_falls_as_latency_rises(
    tmp_path: Path, latency_ms: int, start: str
) -> None:
    """Latency injected on check-ins: each station has 2 terminals waiting for the answers,
    so at 800 ms the stations fall behind (latency from the intended time over the limit) at
    a multiple that 20 ms sustains easily (76x, the search's maximum)."""
    # The generator's own limit loosened: this test is about the target's latency, and on
    # a shared 2-core box a 27 s level (9 x the 3 s limit) sees scheduling stalls.
    scenario = scenario_with(tmp_path, ["checkin.p95_ms_intended < 3000",
                                        "generator.lag_p99_ms < 2000",
                                        "audit.lost_checkins == 0",
                                        "audit.double_acceptances == 0"])
    out = tmp_path / f"latency-{latency_ms}"
    _, doc, stderr = capacity(
        # Each level replays the window until it has enough requests to judge (about 35 s at
        # 800 ms): two or three levels, a bracket within 45 %, not the exact edge.
        scenario, out, "--level-s", "10", "--start-multiple", start, "--ramp-factor", "1.4",
        "--max-multiple", "76", "--precision", "0.45",
        f"--service-arg=--inject-latency-ms={latency_ms}",
        "--service-arg=--inject-endpoints=checkins")
    found = doc["capacity"]
    assert all(lvl["audit"]["lost_checkins"] == 0 for lvl in doc["levels"]), stderr
    if latency_ms == 20:
        assert found["outcome"] == "above-max" and found["multiple"] == 76, found
        return
    # 800 ms breaks at or below the multiple 20 ms holds (76x), and something below it
    # held. Not the exact [40, 76] of a quiet machine: on a loaded one (other tests, other
    # agents) 40x can fail too and the search goes on downwards, which still shows capacity
    # falling.
    assert found["outcome"] == "bracketed", found
    held, broke = found["bracket"]
    assert held < broke <= 76 and found["multiple"] == held
    breaks = found["first_to_break"]  # the answers may also have fallen behind the offer
    assert breaks[0] == "checkin.p95_ms_intended < 3000" and set(breaks) <= {breaks[0], RATE_RULE}


def test_an_unreachable_target_is_exit_3_with_both_files_saying_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cpu = min(os.sched_getaffinity(0))
    done = pollday("capacity", str(FLAT), "--host", "http://127.0.0.1:9", "--out", str(out),
                   "--quiet", "--generator-cpus", str(cpu))
    assert done.returncode == 3
    assert "unreachable" in done.stderr
    doc = json.loads((out / "capacity.json").read_text())
    assert doc["exit_code"] == 3 and "unreachable" in doc["failure"]
    # The settings say where the generator ran (--host: the target is not pinned here).
    assert doc["settings"]["generator_cpus"] == [cpu]
    assert doc["settings"]["target_cpus"] is None and doc["settings"]["database"] is None
    assert doc["capacity"]["outcome"] == "failure" and doc["levels"] == []
    root = ET.parse(out / "junit.xml").getroot()
    failure = root.find(".//failure")
    assert failure is not None and "unreachable" in (failure.text or "")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--window", "7am"], "--window '7am' is not 'auto' or 'HH:MM-HH:MM'"),
        (["--precision", "2"], "--precision 2 must be in (0, 1)"),
        (["--host", "http://10.1.2.3:80"], "is not a loopback address"),
    ],
)
def test_bad_input_is_exit_2_before_anything_runs(
    tmp_path: Path, args: list[str], says: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # In this process (a subprocess costs seconds and adds nothing here: the tests above
    # run the real command end to end, exit 3 included).
    monkeypatch.setenv("POLLDAY_SECRET", "cap-secret")
    monkeypatch.setenv("POLLDAY_ADMIN_TOKEN", "cap-admin")
    code = main(["capacity", str(FLAT), "--out", str(tmp_path / "out"), "--quiet", *args])
    assert code == 2 and says in capsys.readouterr().err
    # Nothing ran, but CI still gets summary.json and junit.xml saying why (issue 11).
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "summary.json"]
    assert says in (out / "junit.xml").read_text()


def test_fresh_voters_give_every_level_its_own_block() -> None:
    rows = np.zeros(5, dtype=SCHEDULE_DTYPE)
    rows["station"] = [0, 0, 1, 0, 1]
    rows["voter"] = [17, 3, 9, -1, 4]  # -1: a duplicate attempt, left alone
    registered = np.array([6, 4])
    assert fresh_voters(rows, registered, 0, "h")["voter"].tolist() == [1, 0, 1, -1, 0]
    assert fresh_voters(rows, registered, 1, "h")["voter"].tolist() == [3, 2, 3, -1, 2]
    with pytest.raises(RunFailure) as error:
        fresh_voters(rows, registered, 2, "h")  # station 1 has 4 voters: blocks 0 and 1 only
    assert error.value.code == 3 and "no fresh voters left for level 3" in str(error.value)
