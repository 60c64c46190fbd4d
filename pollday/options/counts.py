"""The counts an operator types (worker processes, simulated days, bands), each with a range
checked before anything starts: argparse types whose refusal names the range and why.

``--workers 100000`` once forked processes until the machine ran out of memory; a count is
a resource, and a typo in it must be exit 2, not an outage. The bounds are generous for real
use and say so.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

__all__ = ["MAX_LEVEL_S", "MAX_REPLICATIONS", "add_simulation_workers", "bounded", "fresh_days",
           "processes", "replications", "usable_cpus"]

# Enough for any confidence a planner asks (sizing's re-searches use at most 160 days); a
# national simulate at this many days is already days of computing.
MAX_REPLICATIONS = 10_000
PROCESSES_PER_CPU = 4  # beyond this, processes only share the same cores and add memory
MAX_LEVEL_S = 86_400.0  # one load level of a capacity search: a day is already a soak


def usable_cpus() -> int:
    """The CPUs this process may run on (taskset and cgroup cpusets count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def bounded(low: int, high: int, why: str) -> Callable[[str], int]:
    """An argparse type: a whole number (ASCII digits) from ``low`` to ``high``."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped.removeprefix("-")
        if not digits.isascii() or not digits.isdigit():
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value} is out of range: use {low:,} to {high:,} ({why})")
        return value

    return parse


def processes(low: int = 1) -> Callable[[str], int]:
    """Worker processes: ``low`` to 4 per usable CPU."""
    most = PROCESSES_PER_CPU * usable_cpus()
    return bounded(low, most, f"{PROCESSES_PER_CPU} per usable CPU, {usable_cpus()} here")


def add_simulation_workers(parser: argparse.ArgumentParser, flag: str) -> None:
    """The simulation's worker processes as ``flag`` (``--workers`` of simulate,
    ``--sim-workers`` of run and capacity, beside their Locust ``--load-workers``): one
    range, default and help wherever a command simulates the day."""
    parser.add_argument(
        flag,
        type=processes(),
        default=os.cpu_count() or 1,
        help="the simulation's worker processes, 1 to 4 per usable CPU (default: all cores)",
    )


replications = bounded(1, MAX_REPLICATIONS, "simulated days per station")
fresh_days = bounded(0, MAX_REPLICATIONS, "fresh days per station")
