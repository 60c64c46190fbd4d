"""The documented range of every count and duration ``pollday serve`` takes, checked up front.

An operator's typo must be refused before anything starts: ``--workers 100000`` was accepted,
forked hundreds of workers and took a 24 GiB machine to its memory limit. Numbers are parsed
strictly (ASCII digits only: ``int('١٢')`` is 12 and ``'²'.isdigit()`` is true; no ``nan``,
no ``inf``) and every value is checked against its range here, so the command line and a
Python caller of ``run_serve`` get the same rule and the same message (exit 2 naming the
flag, the value and the range). docs/service.md#ranges lists the same table.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from service.exits import ServiceInputError

# A worker tops out near one core (the GIL); a few per core still help while others wait on
# the database (fsync, PostgreSQL round trips). Beyond that each one only costs memory and
# start-up time, and on a big machine 64 already outnumber what one database serves well.
WORKERS_PER_CPU = 4
MAX_WORKERS = 64
# Deadlines under a second cut off a client that lost one packet (TCP's first retransmission
# waits 1 s, RFC 6298); over an hour a connection is in effect never closed.
MIN_TIMEOUT_S = 1.0
MAX_TIMEOUT_S = 3600.0
# A stall or a stall delay longer than a day outlasts any rehearsal: surely a typo.
MAX_STALL_S = 86_400.0
# No process can hold more descriptors than Linux's default fs.nr_open; under 16 the guard
# would close stations' connections between their check-ins.
MIN_CONNECTIONS = 16
MAX_CONNECTIONS = 1 << 20


class RangeError(ServiceInputError, ValueError):
    """A number outside its documented range; the message names the flag and the range."""


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask: taskset, cgroup cpusets), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def max_workers() -> int:
    return min(MAX_WORKERS, WORKERS_PER_CPU * usable_cpus())


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of one option, with the reason shown when a value is refused."""

    low: float
    high: float
    unit: str
    why: str

    def short(self) -> str:
        return f"{_show(self.low)} to {_show(self.high)}{self.unit}"

    def describe(self) -> str:
        return f"{_show(self.low)} to {_show(self.high)}{self.unit} ({self.why})"


def _show(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _ranges() -> dict[str, Range]:
    workers = max_workers()
    timeout = Range(MIN_TIMEOUT_S, MAX_TIMEOUT_S, " s",
                    "under 1 s cuts off a client that lost one packet")
    stall = Range(0, MAX_STALL_S, " s", "a day at most")
    return {
        "--port": Range(0, 65535, "", "0 picks a free port"),
        "--workers": Range(1, workers, "", f"{WORKERS_PER_CPU} per usable CPU, "
                           f"{usable_cpus()} here, at most {MAX_WORKERS}: a worker tops "
                           "out near one core, more only cost memory and start-up time"),
        "--max-connections": Range(MIN_CONNECTIONS, MAX_CONNECTIONS, " per worker",
                                   "the kernel's default limit of open files per process"),
        "--keep-alive-s": timeout,
        "--header-timeout-s": timeout,
        "--body-timeout-s": timeout,
        "--inject-error-rate": Range(0, 1, "", "a share of requests"),
        "--inject-error-status": Range(400, 599, "", "an HTTP error status"),
        "--inject-stall-s": stall,
        "--inject-stall-after-s": stall,
        "--inject-seed": Range(0, 2**63 - 1, "", "a non-negative 64-bit seed"),
    }


RANGED_FLAGS = frozenset(_ranges())


def range_of(flag: str) -> Range:
    return _ranges()[flag]


def check_range(flag: str, value: float) -> None:
    """Raise RangeError unless ``value`` is a finite number inside the range of ``flag``."""
    rule = range_of(flag)
    # An int may be too large for a float (math.isfinite would raise): compare it as it is.
    finite = isinstance(value, int) or math.isfinite(value)
    if not (finite and rule.low <= value <= rule.high):
        raise RangeError(f"{flag} {_clip(repr(value))} is out of range: use {rule.describe()}")


def _clip(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


_Number = TypeVar("_Number", int, float)
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def ranged_int(flag: str) -> Callable[[str], int]:
    """argparse type of ``flag``: a whole number in ASCII digits (no '²', no '1_000', no
    spaces) inside the flag's range; the error names the value and the range."""

    def parse(text: str) -> int:
        if not _INT.fullmatch(text):
            raise argparse.ArgumentTypeError(
                f"{_clip(repr(text))} is not a whole number in digits 0-9; use "
                f"{range_of(flag).describe()}")
        return _checked(flag, int(text))

    parse.__name__ = "integer"
    return parse


def ranged_float(flag: str) -> Callable[[str], float]:
    """argparse type of ``flag``: a finite decimal number in ASCII inside the flag's range
    ('nan', 'inf' and '1e999' are refused)."""

    def parse(text: str) -> float:
        value = float(text) if _FLOAT.fullmatch(text) else math.nan
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{_clip(repr(text))} is not a finite decimal number; use "
                f"{range_of(flag).describe()}")
        return _checked(flag, value)

    parse.__name__ = "number"
    return parse


def _checked(flag: str, value: _Number) -> _Number:
    try:
        check_range(flag, value)
    except RangeError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{flag} ")) from None
    return value
