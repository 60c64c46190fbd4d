"""run_chunked: rows cut into jobs of ``step``, answers put back in row order whatever order
the jobs finish in."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from simulation.execution.task_pool import run_chunked

R = TypeVar("R")


class _BackwardsPool:
    """Finishes the jobs last first, as a busy pool may; records the jobs it was given."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, ...]] = []

    def run(self, task: Callable[..., R], jobs: Sequence[tuple[Any, ...]]) -> Iterator[R]:
        self.jobs = list(jobs)
        return (task(*job) for job in reversed(jobs))


def _scaled(factor: int, number: int, rows: list[int], seed: int) -> tuple[int, list[int]]:
    return number, [factor * row + seed for row in rows]


def test_answers_come_back_in_row_order_from_jobs_finishing_backwards() -> None:
    pool = _BackwardsPool()
    answers = run_chunked(_scaled, 10, list(range(7)), 3, 1, pool=pool)
    assert answers == [10 * row + 1 for row in range(7)]
    assert [len(job[2]) for job in pool.jobs] == [3, 3, 1]
    assert [job[1] for job in pool.jobs] == [0, 1, 2]


def test_no_rows_no_jobs() -> None:
    pool = _BackwardsPool()
    assert run_chunked(_scaled, 10, [], 3, 1, pool=pool) == []
    assert pool.jobs == []


def test_in_this_process_without_a_pool() -> None:
    assert run_chunked(_scaled, 2, [1, 2, 3], 2, 0, workers=1) == [2, 4, 6]
