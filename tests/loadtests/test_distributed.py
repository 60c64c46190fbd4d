"""A master waiting for workers started elsewhere (``pollday worker`` subprocesses that are
given no scenario, schedule or secret): the same ledger as local ``--processes``, a worker
lost mid-replay reported, a bounded wait for workers that never come. Loopback only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import simulation
from loadtests.register.files import write_register
from pollday.harness.locust_process import LocustRun, free_loopback_port
from simulation.outputs.schedule import save as save_schedule
from tests.loadtests.distributed_support import ledger_view, workers
from tests.service.service_support import SECRET, Server

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"
COMPRESS, SHARE = 4000.0, 0.5


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The smoke day simulated once: a replay folder (schedule.npy, scenario.toml)."""
    base = tmp_path_factory.mktemp("distributed")
    scenario = simulation.load_scenario(SMOKE)
    sim = base / "sim"
    sim.mkdir()
    save_schedule(sim / "schedule.npy", simulation.simulate(scenario, workers=1).schedule)
    shutil.copy(SMOKE, sim / "scenario.toml")
    write_register(scenario, base / "register.ndjson", workers=1)
    return {"sim": sim, "register": base / "register.ndjson"}


def locust_run(replay: dict[str, Any], url: str, out: Path, compress: float = COMPRESS,
               **generators: Any) -> LocustRun:
    return LocustRun(host=url, replay_dir=replay["sim"], out_dir=out, secret=SECRET,
                     compress=compress, station_share=SHARE, results_rps=1.0, webcam_rps=0.0,
                     adapter="", workers=generators.pop("workers", 0), expected_s=20.0,
                     timeout_s=240.0, **generators)


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLLDAY_")}
    return {**clean, "PYTHONPATH": str(REPO), "POLLDAY_SECRET": SECRET}


def run_master(run: LocustRun, cwd: Path) -> subprocess.Popen[str]:
    run.out_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(run.command(), cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_workers_elsewhere_give_the_ledger_of_two_local_processes(
        replay: dict[str, Any], tmp_path: Path) -> None:
    views = {}
    with Server(f"sqlite:///{tmp_path / 'a.db'}", register=replay["register"],
                cwd=tmp_path) as server:
        local = locust_run(replay, server.url, tmp_path / "local", workers=2)
        proc = subprocess.run(local.command(), cwd=tmp_path, env=env(), capture_output=True,
                              text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr[-3000:]
        views["local"] = ledger_view(local.out_dir)
    port = free_loopback_port()
    with Server(f"sqlite:///{tmp_path / 'b.db'}", register=replay["register"],
                cwd=tmp_path) as server:
        remote = locust_run(replay, server.url, tmp_path / "remote", remote_workers=2,
                            master_bind=f"127.0.0.1:{port}", workers_wait_s=90.0)
        master = run_master(remote, tmp_path)
        with workers(port, 2, tmp_path / "elsewhere") as procs:
            _, stderr = master.communicate(timeout=240)
            codes = [p.wait(60) for p in procs]
        assert master.returncode == 0, stderr[-3000:]
        assert codes == [0, 0], [(tmp_path / "elsewhere" / f"worker{k}.log").read_text()[-2000:]
                                 for k in range(2)]
        views["remote"] = ledger_view(remote.out_dir)
    logs = "".join((tmp_path / "elsewhere" / f"worker{k}.log").read_text() for k in range(2))
    assert logs.count("replay files from the master") == 2  # nothing came from the disk
    report = json.loads((remote.out_dir / "loadtest.json").read_text())
    gen = report["generator"]
    assert gen["workers"] == 2 and gen["missing_workers"] == 0
    assert gen["fired_events"] == gen["scheduled_events"] > 0
    assert [w["reported"] for w in report["options"]["generator_workers"]] == [True, True]
    assert views["remote"]["accepted"], "nothing was accepted"
    assert views["remote"] == views["local"]


@pytest.mark.slow
def test_a_worker_killed_mid_replay_is_reported_not_hidden(replay: dict[str, Any],
                                                            tmp_path: Path) -> None:
    port = free_loopback_port()
    with Server(f"sqlite:///{tmp_path / 'c.db'}", register=replay["register"],
                cwd=tmp_path) as server:
        run = locust_run(replay, server.url, tmp_path / "out", compress=2500.0,
                         remote_workers=2, master_bind=f"127.0.0.1:{port}", workers_wait_s=90.0)
        master = run_master(run, tmp_path)
        with workers(port, 2, tmp_path / "elsewhere") as procs:
            history = run.out_dir / "locust_stats_history.csv"
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and master.poll() is None and (
                    not history.is_file() or history.stat().st_size < 2000):
                time.sleep(0.5)  # the replay is under way
            os.killpg(procs[1].pid, signal.SIGKILL)  # no goodbye: only heartbeats say it
            _, stderr = master.communicate(timeout=240)
    report = json.loads((run.out_dir / "loadtest.json").read_text())
    gen = report["generator"]
    assert gen["missing_workers"] == 1, stderr[-3000:]
    assert gen["dropped_events"] > 0  # its share never reached the target
    lost = [w for w in report["options"]["generator_workers"] if not w["reported"]]
    assert len(lost) == 1 and lost[0]["lost_at_s"] is not None
    assert "lost" in stderr and "missing from the ledger" in stderr
    note = next(n for n in report["notes"] if n.startswith("worker "))  # pollday run repeats it
    assert " lost " in note and "stations' answers are missing from the ledger" in note


def test_the_master_gives_up_on_workers_that_never_come_and_names_who_joined(
        replay: dict[str, Any], tmp_path: Path) -> None:
    port = free_loopback_port()
    run = locust_run(replay, "http://127.0.0.1:9", tmp_path / "out", remote_workers=2,
                     master_bind=f"127.0.0.1:{port}", workers_wait_s=6.0)
    master = run_master(run, tmp_path)
    with workers(port, 1, tmp_path / "elsewhere"):
        _, stderr = master.communicate(timeout=120)
    assert master.returncode == 3, stderr[-3000:]
    assert "1 of 2 Locust workers joined within 6 s" in stderr
    assert f"pollday worker --master 127.0.0.1:{port}" in stderr


@pytest.mark.slow
def test_a_worker_serves_one_master_after_another_as_a_capacity_search_starts_them(
        replay: dict[str, Any], tmp_path: Path) -> None:
    port = free_loopback_port()
    where = tmp_path / "elsewhere"
    where.mkdir()
    bare = {k: v for k, v in os.environ.items() if not k.startswith("POLLDAY_")}
    worker = subprocess.Popen(  # no --once: it waits for the next master
        [sys.executable, "-m", "pollday", "worker", "--master", f"127.0.0.1:{port}"],
        cwd=where, env={**bare, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
        stderr=(where / "worker.log").open("w"), start_new_session=True)
    try:
        for level in (1, 2):
            with Server(f"sqlite:///{tmp_path / f'{level}.db'}", register=replay["register"],
                        cwd=tmp_path) as server:
                run = locust_run(replay, server.url, tmp_path / f"level{level}", compress=8000.0,
                                 remote_workers=1, master_bind=f"127.0.0.1:{port}",
                                 workers_wait_s=60.0)
                master = run_master(run, tmp_path)
                _, stderr = master.communicate(timeout=180)
            assert master.returncode == 0, stderr[-3000:]
            gen = json.loads((run.out_dir / "loadtest.json").read_text())["generator"]
            assert gen["workers"] == 1 and gen["missing_workers"] == 0
            assert gen["fired_events"] == gen["scheduled_events"] > 0
        assert worker.poll() is None  # still waiting for a third
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 130
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(30)
    log = (where / "worker.log").read_text()
    assert "waiting for the next master" in log and "interrupted" in log


@pytest.fixture
def namespace() -> Iterator[tuple[str, str]]:
    """A network namespace joined to this one by a veth pair: (its name, this side's
    address). Skipped where namespaces cannot be made (not root, no ``ip``)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2's ip")
    tag = f"{os.getpid() % 100_000}"
    name, here, there = f"pdgen{tag}", f"pdh{tag}", f"pdn{tag}"
    octet = os.getpid() % 250 + 1
    mine, theirs = f"10.213.{octet}.1", f"10.213.{octet}.2"
    steps = [["ip", "netns", "add", name],
             ["ip", "link", "add", here, "type", "veth", "peer", "name", there],
             ["ip", "link", "set", there, "netns", name],
             ["ip", "addr", "add", f"{mine}/30", "dev", here],
             ["ip", "link", "set", here, "up"],
             ["ip", "netns", "exec", name, "ip", "addr", "add", f"{theirs}/30", "dev", there],
             ["ip", "netns", "exec", name, "ip", "link", "set", there, "up"],
             ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"]]
    try:
        for step in steps:
            made = subprocess.run(step, capture_output=True, text=True, check=False)
            if made.returncode:
                pytest.skip(f"cannot make a network namespace: {' '.join(step)}: "
                            f"{made.stderr.strip()}")
        yield name, mine
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", here], capture_output=True, check=False)


@pytest.mark.slow
def test_workers_in_another_network_namespace_join_over_a_real_interface(
        replay: dict[str, Any], tmp_path: Path, namespace: tuple[str, str]) -> None:
    name, address = namespace  # the workers see this machine only at this address
    port = free_loopback_port()
    with Server(f"sqlite:///{tmp_path / 'd.db'}", "--host", address,
                register=replay["register"], cwd=tmp_path) as server:
        assert address in server.url
        run = locust_run(replay, server.url, tmp_path / "out", remote_workers=2,
                         master_bind=f"{address}:{port}", workers_wait_s=90.0)
        master = run_master(run, tmp_path)
        with workers(port, 2, tmp_path / "elsewhere", host=address,
                     prefix=("ip", "netns", "exec", name)) as procs:
            _, stderr = master.communicate(timeout=240)
            codes = [p.wait(60) for p in procs]
    assert master.returncode == 0 and codes == [0, 0], stderr[-3000:]
    report = json.loads((run.out_dir / "loadtest.json").read_text())
    gen = report["generator"]
    assert gen["workers"] == 2 and gen["missing_workers"] == 0
    assert gen["fired_events"] == gen["scheduled_events"] > 0
    kinds = ledger_view(run.out_dir)["kinds"]
    assert kinds[("checkin", 201)] > 0
    assert {status for kind, status in kinds if kind == "checkin"} == {201}
