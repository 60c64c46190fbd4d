"""Sizing's tasks on any executor (:mod:`simulation.execution.executors`): a pool open for a block.

A task is a module-level pure function of picklable arguments (the scenario, the request,
its stations, the seed), so every executor, Dask's included, gives the same results. They
come back in finishing order; the caller puts them in place by the number each returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol, TypeVar

from simulation.execution.executors import TaskExecutor, open_executor, run_windowed

__all__ = ["TaskPool", "run_chunked", "task_pool"]

R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")


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


def run_chunked(
    task: Callable[[S, int, list[T], int], tuple[int, list[R]]],
    spec: S,
    rows: Sequence[T],
    step: int,
    seed: int,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    pool: TaskPool | None = None,
) -> list[R]:
    """``task(spec, number, rows[k:k + step], seed)`` for every job of ``step`` rows, on the
    open ``pool`` or a new one for ``workers`` / ``cluster``; the answers of every row in
    the order of ``rows``.

    ``task`` returns its job's number beside its answers, because jobs finish in any order;
    ``step`` is the caller's: rows per job big enough that pickling does not dominate.
    """
    rows = list(rows)
    jobs = [(spec, n, rows[k : k + step], seed) for n, k in enumerate(range(0, len(rows), step))]
    parts: list[list[R]] = [[] for _ in jobs]
    with ExitStack() as stack:
        tasks = pool if pool is not None else stack.enter_context(task_pool(workers, cluster))
        for n, answers in tasks.run(task, jobs):
            parts[n] = answers
    return [answer for part in parts for answer in part]
