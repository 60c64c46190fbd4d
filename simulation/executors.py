"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

An executor takes chunks (:func:`simulation.chunk.run_chunk` jobs) and hands back their
outputs as they finish, in any order; :mod:`simulation.runner` puts them back in station
order. Every executor runs the same pure function, so the figures do not depend on which
one ran them.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from multiprocessing import get_context
from typing import Protocol

from simulation.chunk import ChunkOutput, ChunkSpec, run_chunk
from simulation.spawn import workers_without_main

__all__ = ["ChunkExecutor", "InlineExecutor", "ProcessExecutor"]

Job = tuple[int, int, list[int]]  # (chunk number, first run position, station ids)


class ChunkExecutor(Protocol):
    """Runs chunks; ``window`` says how many may be ahead of the oldest unfinished one."""

    window: int

    def submit(self, spec: ChunkSpec, job: Job) -> None: ...

    def next_done(self) -> ChunkOutput: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Run each chunk in this process when it is asked for (``workers=1``)."""

    window = 1

    def __init__(self) -> None:
        self._jobs: deque[tuple[ChunkSpec, Job]] = deque()

    def submit(self, spec: ChunkSpec, job: Job) -> None:
        self._jobs.append((spec, job))

    def next_done(self) -> ChunkOutput:
        spec, job = self._jobs.popleft()
        return run_chunk(spec, *job)

    def close(self) -> None:
        self._jobs.clear()


class ProcessExecutor:
    """Local worker processes (spawned: the same start on every platform)."""

    def __init__(self, workers: int) -> None:
        # Enough chunks ahead to keep every worker busy while the oldest one finishes,
        # few enough that finished-but-unwritten chunks stay a bounded amount of memory.
        self.window = workers * 8
        # Spawn starts workers on demand, so __main__ stays hidden until the pool closes.
        self._hidden = ExitStack()
        self._hidden.enter_context(workers_without_main())
        self._pool = ProcessPoolExecutor(workers, get_context("spawn"))
        self._running: set[Future[ChunkOutput]] = set()

    def submit(self, spec: ChunkSpec, job: Job) -> None:
        self._running.add(self._pool.submit(run_chunk, spec, *job))

    def next_done(self) -> ChunkOutput:
        done, _ = wait(self._running, return_when=FIRST_COMPLETED)
        future = next(iter(done))
        self._running.discard(future)
        return future.result()

    def close(self) -> None:
        for future in self._running:
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._hidden.close()
