"""Where sizing's tasks run: in this process, in local worker processes, or on a Dask cluster.

A task is a module-level pure function of picklable arguments (the scenario, the request,
its stations, the seed): no worker initializer and no state but the per-process roster
cache (:mod:`simulation.rosters`), so Dask can run a task again on another worker when one
is lost, and every pool gives the same results. Results come back in finishing order; the
caller puts them in place by the number each task returns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

from simulation.spawn import workers_without_main

__all__ = ["TaskPool", "task_pool"]

R = TypeVar("R")


class TaskPool(Protocol):
    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        """``task(*job)`` for every job, yielded as each finishes."""
        ...


class _InlinePool:
    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        for job in jobs:
            yield task(*job)


class _ProcessPool:
    def __init__(self, workers: int, hidden: ExitStack) -> None:
        # Spawn, not fork: the parent may hold threads (progress bar) and a fork would copy
        # them. Spawn starts workers on demand, so __main__ stays hidden while the pool lives.
        hidden.enter_context(workers_without_main())
        self._pool = ProcessPoolExecutor(workers, get_context("spawn"))
        # On an error (or Ctrl-C) the jobs not yet started are dropped, not run to the end.
        hidden.callback(self._pool.shutdown, wait=True, cancel_futures=True)

    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        futures = [self._pool.submit(task, *job) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


class _DaskPool:
    def __init__(self, address: str, hidden: ExitStack) -> None:
        from simulation.cluster import DaskExecutor  # Dask is an optional extra

        executor = DaskExecutor(address)
        hidden.callback(executor.close)
        self._executor = executor

    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        for job in jobs:
            self._executor.submit_call(task, *job)
        for _ in jobs:
            result: R = self._executor.next_result()
            yield result


@contextmanager
def task_pool(workers: int | None = None, cluster: str | None = None) -> Iterator[TaskPool]:
    """A pool for ``workers`` local processes (1: this process), or on the Dask cluster at
    ``cluster`` (a scheduler address or ``local:N``), open for the ``with`` block."""
    with ExitStack() as hidden:
        if cluster is not None:
            yield _DaskPool(cluster, hidden)
            return
        count = workers or os.cpu_count() or 1
        yield _InlinePool() if count == 1 else _ProcessPool(count, hidden)
