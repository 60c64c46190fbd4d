"""The typed JSON outputs of ``run`` and ``capacity`` (the report reads them)."""

from pollday.models.capacity import CapacityLevel, CapacityOutput
from pollday.models.failure import FailureSummary
from pollday.models.run import RunSummary

__all__ = [
    "CapacityLevel",
    "CapacityOutput",
    "FailureSummary",
    "RunSummary",
]
