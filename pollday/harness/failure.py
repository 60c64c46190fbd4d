"""The error a load test's harness raises: it knows its exit code and the stage it failed in.

``run`` and ``capacity`` raise it; their commands write the failed run's ``summary.json`` and
``junit.xml`` from it (:mod:`pollday.harness.failure_outputs`)."""

from __future__ import annotations

from simulation.errors import PolldayError


class RunFailure(PolldayError, RuntimeError):
    def __init__(self, code: int, message: str, stage: str = "preflight") -> None:
        super().__init__(message)
        self.code = self.exit_code = code
        self.stage = stage  # one of pollday.harness.failure_outputs.STAGES
