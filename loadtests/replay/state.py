"""What this load-generator process knows of the replay running in it (imported by the
locustfile and the modules it alone uses): its options and schedule, its driver (a local
runner or a worker), and on the master (or a local runner) the reports merged so far.

One instance per process (:data:`STATE`): Locust's event hooks are plain functions, so the
start of a test (``loadtests/locustfile.py``) and its end (:mod:`loadtests.replay.end`)
share it here.
"""

from __future__ import annotations

from loadtests.latency import Recorder
from loadtests.ledger import Entry
from loadtests.options import ReplayOptions
from loadtests.replay.jobs import Loaded
from loadtests.replay.sender import Driver

__all__ = ["STATE", "ProcessState"]


class ProcessState:
    """This process's part: a driver (local/worker) or the merged reports (master/local)."""

    def __init__(self) -> None:
        self.opts: ReplayOptions | None = None
        self.loaded: Loaded | None = None
        self.run_id: str | None = None
        self.driver: Driver | None = None
        self.reported = False  # worker: final report sent for run_id
        # master / local
        self.expected: set[int] = set()
        self.done: set[int] = set()
        self.recorder = Recorder()
        self.ledger: list[Entry] = []
        self.deadline = 0.0
        self.written = False

    def reset(self, run_id: str) -> None:
        self.run_id = run_id
        self.driver = None
        self.reported = False
        self.expected, self.done = set(), set()
        self.recorder, self.ledger = Recorder(), []
        self.written = False


STATE = ProcessState()
