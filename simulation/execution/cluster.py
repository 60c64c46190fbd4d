"""Chunks on a Dask distributed cluster (``--cluster ADDRESS``; the ``pollday[cluster]`` extra).

``ADDRESS`` is a scheduler (``tcp://host:8786``) whose workers run the same pollday version,
or ``local:N``: a Dask LocalCluster of N single-threaded worker processes on this machine
(what the tests and benchmarks use). A chunk is a pure function of its station ids and the
seed, so when a worker is lost Dask runs its chunks again elsewhere and the day's figures
are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulation.errors import HarnessError, InputError
from simulation.execution.spawn import workers_without_main

__all__ = ["ClusterError", "DaskExecutor", "parse_local_workers"]

_CONNECT_TIMEOUT_S = 30
_RETRIES = 2  # a chunk that raised is tried again on another worker before the run fails


class ClusterError(HarnessError):
    """The Dask scheduler cannot be reached or has no workers (exit 3)."""


def parse_local_workers(address: str) -> int | None:
    """``local:N`` -> N; any other address -> None; a bad N -> InputError (exit 2)."""
    if not address.startswith("local:"):
        return None
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise InputError(f"--cluster {address}: say local:N with N a whole number of worker "
                         "processes of at least 1, e.g. local:2, or a scheduler address "
                         "such as tcp://10.0.0.5:8786")
    return int(count)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise InputError("--cluster needs Dask distributed, which is not installed: "
                         "pip install 'pollday[cluster]' (on this machine and on every "
                         "worker)") from exc
    return distributed


class DaskExecutor:
    """Submit tasks to a Dask cluster; hand their results back as they finish."""

    def __init__(self, address: str, *, tasks_per_worker: int,
                 connect_timeout_s: float = _CONNECT_TIMEOUT_S) -> None:
        distributed = _import_distributed()
        local = parse_local_workers(address)
        self._cluster: Any = None
        try:
            if local is not None:
                with workers_without_main():
                    self._cluster = distributed.LocalCluster(
                        n_workers=local, threads_per_worker=1, processes=True,
                        dashboard_address=None)
                self._client = distributed.Client(self._cluster)
            else:
                self._client = distributed.Client(address, timeout=connect_timeout_s)
            # local:N: all N, so that the first tasks are spread over every worker.
            self._client.wait_for_workers(local or 1, timeout=connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(f"--cluster {address}: no Dask scheduler with workers answered "
                               f"within {connect_timeout_s:g} s ({exc}); start one with "
                               "`dask scheduler` and `dask worker ADDRESS` (docs/scale.md)"
                               ) from exc
        threads = sum(self._client.nthreads().values())
        self.window = max(threads, 1) * tasks_per_worker
        self._done = distributed.as_completed()

    def submit_call(self, task: Callable[..., Any], *args: Any) -> None:
        """Run ``task(*args)``, a pure function of picklable arguments (a chunk, a sizing
        band), on the cluster; it may run twice if a worker is lost."""
        # pure=False: two runs with another seed or scenario never share a cached result.
        self._done.add(self._client.submit(task, *args, pure=False, retries=_RETRIES))

    def next_result(self) -> Any:
        """The result of any submitted task that has finished (in finishing order)."""
        future = next(self._done)
        result = future.result()
        future.release()
        return result

    def cancel(self) -> None:
        """Drop every submitted task not yet handed back."""
        futures = list(self._done.futures)
        self._done.clear()
        if futures:
            self._client.cancel(futures)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
