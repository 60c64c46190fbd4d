"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

A task is a module-level pure function of picklable arguments (a chunk of stations, a sizing
band): no worker state (the one initializer only ties a worker's life to its parent's,
:mod:`simulation.execution.orphans`) and no state but the per-process roster cache
(:mod:`simulation.national.rosters`), so Dask can run a task again on another worker when one is
lost, and every executor gives the same results. Results come back in finishing order; the
national runner (:mod:`simulation.national.runner`) puts chunks back in station order, sizing puts
bands in place by the number each returns. :func:`run_windowed` keeps at most ``window``
tasks in flight, so finished-but-unused results stay a bounded amount of memory.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

from simulation.execution.orphans import die_with_parent
from simulation.execution.spawn import workers_without_main

__all__ = ["InlineExecutor", "ProcessExecutor", "TaskExecutor", "open_executor",
           "run_windowed"]

R = TypeVar("R")
# Tasks in flight per worker: enough to keep each busy while the oldest result is used.
TASKS_PER_WORKER = 8


class TaskExecutor(Protocol):
    """Runs submitted tasks; ``window`` is how many may be in flight at once."""

    window: int

    def submit_call(self, task: Callable[..., Any], *args: Any) -> None: ...

    def next_result(self) -> Any: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Run each task in this process when its result is asked for (``workers=1``)."""

    window = 1

    def __init__(self) -> None:
        self._calls: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()

    def submit_call(self, task: Callable[..., Any], *args: Any) -> None:
        self._calls.append((task, args))

    def next_result(self) -> Any:
        task, args = self._calls.popleft()
        return task(*args)

    def cancel(self) -> None:
        self._calls.clear()

    def close(self) -> None:
        self._calls.clear()


class ProcessExecutor:
    """Local worker processes (spawned: the same start on every platform)."""

    def __init__(self, workers: int) -> None:
        self.window = workers * TASKS_PER_WORKER
        # Spawn, not fork: the parent may hold threads (progress bar) and a fork would copy
        # them. Spawn starts workers on demand, so __main__ stays hidden until the pool closes.
        self._hidden = ExitStack()
        self._hidden.enter_context(workers_without_main())
        # Each worker dies with this process: a parent killed outright (the OOM killer)
        # cannot shut the pool down, and its workers would compute on for nobody (issue 27).
        self._pool = ProcessPoolExecutor(workers, get_context("spawn"),
                                         initializer=die_with_parent, initargs=(os.getpid(),))
        self._running: set[Future[Any]] = set()

    def submit_call(self, task: Callable[..., Any], *args: Any) -> None:
        self._running.add(self._pool.submit(task, *args))

    def next_result(self) -> Any:
        done, _ = wait(self._running, return_when=FIRST_COMPLETED)
        future = next(iter(done))
        self._running.discard(future)
        return future.result()

    def cancel(self) -> None:
        # Tasks already running finish in their worker; their results are not handed back.
        for future in self._running:
            future.cancel()
        self._running.clear()

    def close(self) -> None:
        # On an error (or Ctrl-C) the tasks not yet started are dropped, not run to the end.
        self.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._hidden.close()


def open_executor(workers: int | None = None, cluster: str | None = None) -> TaskExecutor:
    """An executor for ``workers`` local processes (1: this process; None: one per CPU), or
    on the Dask cluster at ``cluster`` (a scheduler address or ``local:N``). Close it."""
    if cluster is not None:
        from simulation.execution.cluster import DaskExecutor  # Dask is an optional extra

        return DaskExecutor(cluster, tasks_per_worker=TASKS_PER_WORKER)
    workers = workers or os.cpu_count() or 1
    return InlineExecutor() if workers == 1 else ProcessExecutor(workers)


def run_windowed(executor: TaskExecutor, task: Callable[..., R],
                 jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
    """``task(*job)`` for every job, yielded as each finishes, at most ``window`` in
    flight. Stopped early (an error, or the caller's), it cancels what it submitted."""
    submitted = handed = 0
    try:
        while handed < len(jobs):
            while submitted < len(jobs) and submitted - handed < executor.window:
                executor.submit_call(task, *jobs[submitted])
                submitted += 1
            result: R = executor.next_result()
            handed += 1
            yield result
    finally:
        if handed < submitted:
            executor.cancel()
