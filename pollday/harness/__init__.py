"""What a load test stands on: the target, Locust as a process, credentials, failed runs."""

from pollday.harness.failure import RunFailure
from pollday.harness.load_target import LoadTarget
from pollday.harness.locust_process import LocustRun, run_locust
from pollday.harness.target import ReferenceService, TargetUnavailable

__all__ = [
    "LoadTarget",
    "LocustRun",
    "ReferenceService",
    "RunFailure",
    "TargetUnavailable",
    "run_locust",
]
