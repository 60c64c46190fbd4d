"""Station chunks on a Dask LocalCluster: the same day as local workers, even when a worker
is killed in the middle of the run."""

from __future__ import annotations

import os
import signal
import tomllib
from typing import Any

import numpy as np
import pytest

from simulation import RunOptions, Scenario, national_summary, parse_scenario, simulate
from simulation.errors import InputError
from simulation.execution.cluster import ClusterError, DaskExecutor, parse_local_workers
from simulation.national.chunk import ChunkOutput
from simulation.national.runner import stream
from tests.simulation.conftest import SMOKE

distributed = pytest.importorskip("distributed")


def _scenario() -> Scenario:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data["station_groups"][0]["count"] = 60
    data["election"]["replications"] = 2
    return parse_scenario(data)


def _timeless(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "wall_s"}


def test_a_local_cluster_of_two_gives_the_same_day_as_one_process() -> None:
    scenario = _scenario()
    alone = simulate(scenario, workers=1)
    spread = simulate(scenario, cluster="local:2", options=RunOptions(chunk_stations=4))
    assert len(set(spread.chunk_pids)) == 2 and os.getpid() not in spread.chunk_pids
    assert _timeless(national_summary(spread)) == _timeless(national_summary(alone))
    assert spread.station_rows == alone.station_rows
    assert np.array_equal(spread.schedule, alone.schedule)


class _SeenWorkers:
    """A sink that notes which worker process ran each chunk."""

    def __init__(self) -> None:
        self.pids: list[int] = []

    def write(self, chunk: ChunkOutput) -> None:
        if chunk.pid not in self.pids:
            self.pids.append(chunk.pid)


def test_a_worker_killed_mid_run_loses_nothing() -> None:
    scenario = _scenario()
    alone = simulate(scenario, workers=1)
    seen, killed = _SeenWorkers(), []

    def kill_a_worker_once(stations_done: int) -> None:
        # Runs here as chunks finish: once one is written, kill the process that ran it;
        # its running and finished-but-not-collected chunks must be run again elsewhere.
        del stations_done
        if not killed and seen.pids:
            killed.append(seen.pids[0])
            os.kill(seen.pids[0], signal.SIGKILL)

    result = stream(scenario, seen, cluster="local:2", options=RunOptions(chunk_stations=2),
                    progress=kill_a_worker_once)
    assert killed, "no worker was killed: the test did not test anything"
    assert len(result.chunk_pids) == 33
    assert _timeless(national_summary(result)) == _timeless(national_summary(alone))


def test_cluster_addresses_are_checked_before_anything_runs() -> None:
    assert parse_local_workers("local:3") == 3
    assert parse_local_workers("tcp://10.0.0.5:8786") is None
    for bad in ("local:", "local:0", "local:two"):
        with pytest.raises(InputError, match="local:N"):
            parse_local_workers(bad)


def test_an_unreachable_scheduler_is_a_harness_error_that_says_how_to_start_one() -> None:
    with pytest.raises(ClusterError, match="dask scheduler") as caught:
        DaskExecutor("tcp://127.0.0.1:9", tasks_per_worker=8, connect_timeout_s=2)
    assert caught.value.exit_code == 3
