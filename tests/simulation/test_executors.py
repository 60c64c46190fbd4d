"""The executors and the windowed run both the national runner and sizing use
(simulation/execution/executors.py); Dask's executor is tested in test_cluster.py."""

from __future__ import annotations

import os
from typing import Any

import pytest

from simulation.execution.executors import (
    InlineExecutor,
    ProcessExecutor,
    open_executor,
    run_windowed,
)


class RecordingExecutor(InlineExecutor):
    """Inline, with a window of 3, recording how many tasks were in flight at each result."""

    window = 3

    def __init__(self) -> None:
        super().__init__()
        self.in_flight: list[int] = []
        self.cancelled = 0

    def next_result(self) -> Any:
        self.in_flight.append(len(self._calls))
        return super().next_result()

    def cancel(self) -> None:
        self.cancelled += len(self._calls)
        super().cancel()


def _square(x: int) -> int:
    return x * x


def test_every_job_once_with_at_most_window_in_flight() -> None:
    executor = RecordingExecutor()
    assert list(run_windowed(executor, _square, [(k,) for k in range(7)])) == \
        [k * k for k in range(7)]
    assert executor.in_flight == [3, 3, 3, 3, 3, 2, 1]
    assert executor.cancelled == 0


def test_stopping_early_cancels_what_was_submitted_and_the_executor_stays_usable() -> None:
    executor = RecordingExecutor()
    first = run_windowed(executor, _square, [(k,) for k in range(7)])
    assert [next(first), next(first)] == [0, 1]
    first.close()  # the caller stopped (an error in its loop, a break)
    assert executor.cancelled == 2  # jobs 2 and 3 were submitted, never handed back
    assert list(run_windowed(executor, _square, [(10,), (11,)])) == [100, 121]


def test_an_error_in_a_task_reaches_the_caller_and_cancels_the_rest() -> None:
    executor = RecordingExecutor()

    def fails_on_two(x: int) -> int:
        if x == 2:
            raise ValueError("band 2 failed")
        return x

    results = []
    with pytest.raises(ValueError, match="band 2 failed"):
        for r in run_windowed(executor, fails_on_two, [(k,) for k in range(6)]):
            results.append(r)
    assert results == [0, 1]
    assert executor.cancelled == 2  # 3 and 4 were waiting


def test_open_executor_runs_inline_for_one_worker_and_in_processes_for_more() -> None:
    one = open_executor(workers=1)
    try:
        assert isinstance(one, InlineExecutor)
        assert set(run_windowed(one, os.getpid, [()] * 3)) == {os.getpid()}
    finally:
        one.close()
    two = open_executor(workers=2)
    try:
        assert isinstance(two, ProcessExecutor) and two.window == 16
        pids = set(run_windowed(two, os.getpid, [()] * 4))
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
    finally:
        two.close()
