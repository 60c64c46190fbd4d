"""``pollday size --cluster``: the bands, what-ifs and re-checks on a Dask LocalCluster give
the same answers as one process, and a bad address stops the command before any work."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import pollday.size.api
from pollday.cli import main
from simulation import load_scenario
from simulation.execution.task_pool import TaskPool, task_pool
from simulation.sizing.search import SizingRequest, recheck_stations, size_stations
from simulation.sizing.targets import parse_target
from tests.simulation.conftest import SMOKE

distributed = pytest.importorskip("distributed")

FRESH_SEED = 20_260_000


def _sizing(out: Path) -> tuple[dict[str, Any], bytes]:
    summary = json.loads((out / "sizing.json").read_text(encoding="utf-8"))
    summary.pop("wall_s")  # the only field that may differ: the run's own wall time
    return summary, (out / "sizing.csv").read_bytes()


def test_size_on_a_local_cluster_writes_the_same_sizing_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[tuple[int | None, str | None]] = []

    @contextmanager
    def noted_pool(workers: int | None = None, cluster: str | None = None
                   ) -> Iterator[TaskPool]:
        pools.append((workers, cluster))
        with task_pool(workers, cluster) as pool:
            yield pool

    monkeypatch.setattr(pollday.size.api, "task_pool", noted_pool)
    common = ["size", str(SMOKE), "--replications", "3", "--quiet"]  # with the what-ifs
    assert main([*common, "--out", str(tmp_path / "one"), "--workers", "1"]) == 0
    assert main([*common, "--out", str(tmp_path / "dask"), "--cluster", "local:2"]) == 0
    # One pool per command: the base sizing and its five what-ifs share it.
    assert pools == [(1, None), (None, "local:2")]
    one, dask = _sizing(tmp_path / "one"), _sizing(tmp_path / "dask")
    assert len(one[0]["sensitivity"]) == 5 and one[0]["station_days_simulated"] > 0
    assert dask == one


def test_bands_and_rechecks_run_on_the_cluster_workers_with_the_same_answers() -> None:
    scenario = load_scenario(SMOKE)
    request = SizingRequest(targets=(parse_target("p95_wait_min <= 30"),), replications=3)
    alone = size_stations(scenario, request, workers=1)
    hardware = [(s, a.hardware) for a in alone for s in a.stations]
    fresh = replace(request, replications=2)
    met_alone = recheck_stations(scenario, hardware, fresh, seed=FRESH_SEED, workers=1)
    with task_pool(cluster="local:2") as pool:
        pids = set(pool.run(os.getpid, [()] * 8))
        spread = size_stations(scenario, request, pool=pool)
        met_spread = recheck_stations(scenario, hardware, fresh, seed=FRESH_SEED, pool=pool)
    assert pids and os.getpid() not in pids  # the tasks ran in the cluster's workers
    assert spread == alone  # every field: stations, hardware, evaluations, reasons
    assert met_spread == met_alone and len(met_alone) == len(hardware)


@pytest.mark.parametrize("address", ["local:0", "local:two"])
def test_a_bad_local_cluster_exits_2_before_any_work(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_work(*_: object) -> None:
        raise AssertionError("the scenario was loaded: work started before --cluster was checked")

    monkeypatch.setattr(pollday.size.api, "load_scenario", no_work)
    out = tmp_path / "s"
    assert main(["size", str(SMOKE), "--out", str(out), "--cluster", address]) == 2
    assert f"--cluster {address}: say local:N" in capsys.readouterr().err
    assert not out.exists()


def test_a_worker_killed_while_sizing_loses_no_band() -> None:
    scenario = load_scenario(SMOKE)
    request = SizingRequest(targets=(parse_target("p95_wait_min <= 30"),), replications=3,
                            band_voters=1)  # one band per station: work left to lose
    alone = size_stations(scenario, request, workers=1)
    killed: list[int] = []
    with task_pool(cluster="local:2") as pool:
        workers = sorted(set(pool.run(os.getpid, [()] * 8)))

        def kill_a_worker_once(stations_done: int) -> None:
            # Runs here as bands come back: the killed worker's running and queued bands
            # must be run again on the other one.
            del stations_done
            if not killed:
                killed.append(workers[0])
                os.kill(workers[0], signal.SIGKILL)

        spread = size_stations(scenario, request, pool=pool, progress=kill_a_worker_once)
    assert killed and len(alone) == 16  # 15 bands were still to come when the worker died
    assert spread == alone
