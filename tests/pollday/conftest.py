from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from tests.pollday.report_support import write_smoke_full_run


@pytest.fixture(scope="session")
def smoke_full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full smoke run (load test included) and sizing, shared (read-only) by the report
    tests.

    Under pytest-xdist every worker is its own session: without sharing, each would spend a
    minute on its own full run. The first worker builds it in the run's common temp folder
    under an exclusive lock; the others wait on the lock and read the finished folder."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # not distributed: one session, one build
        return write_smoke_full_run(tmp_path_factory.mktemp("full"))
    shared = tmp_path_factory.getbasetemp().parent  # common to every worker of this run
    folder = shared / "smoke-full-run"
    done = shared / "smoke-full-run.done"
    with (shared / "smoke-full-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():  # first here, or the first builder failed part-way: build
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            write_smoke_full_run(folder)
            done.touch()
    return folder
