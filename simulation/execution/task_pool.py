"""Sizing's tasks on any executor (:mod:`simulation.execution.executors`): a pool open for a block.

A task is a module-level pure function of picklable arguments (the scenario, the request,
its stations, the seed), so every executor, Dask's included, gives the same results. They
come back in finishing order; the caller puts them in place by the number each returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from simulation.execution.executors import TaskExecutor, open_executor, run_windowed

__all__ = ["TaskPool", "task_pool"]

R = TypeVar("R")


class TaskPool(Protocol):
    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        """``task(*job)`` for every job, yielded as each finishes."""
        ...


class _ExecutorPool:
    def __init__(self, executor: TaskExecutor) -> None:
        self._executor = executor

    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        return run_windowed(self._executor, task, jobs)


@contextmanager
def task_pool(workers: int | None = None, cluster: str | None = None) -> Iterator[TaskPool]:
    """A pool for ``workers`` local processes (1: this process), or on the Dask cluster at
    ``cluster`` (a scheduler address or ``local:N``), open for the ``with`` block."""
    executor = open_executor(workers, cluster)
    try:
        yield _ExecutorPool(executor)
    finally:
        executor.close()
