"""Which CPUs the embedded target and the load generator may use (``--target-cpus``,
``--generator-cpus``).

On a small machine the generator and the service compete for the same cores, and whichever
runs out first decides where a search ends: a capacity found that way is the machine's,
not the service's. Pinning them to disjoint CPUs (Linux CPU affinity, inherited by every
child process: uvicorn workers, Locust workers) keeps one from starving the other, and the
capacity is then "the reference service on these N cores".

A child inherits the affinity of the thread that started it, so :func:`pinned` narrows the
calling thread's affinity only while a process is started and gives it back afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pollday.exits import EXIT_BAD_INPUT
from pollday.harness.failure import RunFailure


def available_cpus() -> frozenset[int]:
    """The CPUs this process may run on (its affinity, not ``os.cpu_count()``)."""
    return frozenset(os.sched_getaffinity(0))


def _show(cpus: frozenset[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def parse_cpus(text: str, option: str, available: frozenset[int]) -> frozenset[int]:
    """``"0"``, ``"0,2"``, ``"0-3"``, ``"0-1,4"`` -> the CPU numbers; each one must be one
    this process may use. A bad list raises RunFailure (exit 2) naming the option."""
    cpus: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise RunFailure(EXIT_BAD_INPUT, (
                f"{option} {text!r}: {part.strip()!r} is not a CPU number or a range like "
                "0-1 (use e.g. 0 or 0,1 or 0-1)")) from None
        if first < 0 or last < first:
            raise RunFailure(EXIT_BAD_INPUT, f"{option} {text!r}: range {part.strip()!r} "
                             "must be low-high with 0 <= low <= high")
        cpus.update(range(first, last + 1))
    missing = cpus - available
    if missing:
        raise RunFailure(EXIT_BAD_INPUT, (
            f"{option} {text!r}: CPU {_show(frozenset(missing))} is not available to this "
            f"process (available: {_show(available)})"))
    return frozenset(cpus)


@dataclass(frozen=True)
class CpuSplit:
    """CPUs of the embedded service (and what it starts) and of the Locust processes;
    None: not pinned (the scheduler decides)."""

    target: frozenset[int] | None = None
    generator: frozenset[int] | None = None

    def settings(self) -> dict[str, list[int] | None]:
        """For ``capacity.json``."""
        return {"target_cpus": sorted(self.target) if self.target is not None else None,
                "generator_cpus": sorted(self.generator) if self.generator is not None
                else None}


def cpu_split(target: str | None, generator: str | None, host: str | None,
              available: frozenset[int] | None = None) -> CpuSplit:
    """Validate ``--target-cpus`` and ``--generator-cpus`` (exit 2 on a bad list).

    One of them alone: the other gets every other available CPU. Both: they must not share
    a CPU (that is what they are for). ``--target-cpus`` with ``--host`` is refused: that
    target is not started here."""
    if target is None and generator is None:
        return CpuSplit()
    available = available_cpus() if available is None else available
    if target is not None and host:
        raise RunFailure(EXIT_BAD_INPUT, (
            f"--target-cpus {target!r} pins the embedded service; the target at {host} is "
            "not started by pollday: pin it where it runs (taskset), and use "
            "--generator-cpus here"))
    target_cpus = (parse_cpus(target, "--target-cpus", available) if target is not None
                   else None)
    generator_cpus = (parse_cpus(generator, "--generator-cpus", available)
                      if generator is not None else None)
    if target_cpus is not None and generator_cpus is not None:
        shared = target_cpus & generator_cpus
        if shared:
            raise RunFailure(EXIT_BAD_INPUT, (
                f"--target-cpus {target!r} and --generator-cpus {generator!r} share CPU "
                f"{_show(shared)}: they must be disjoint so one cannot starve the other"))
    elif host is None:  # one given: the other side gets the rest
        given = target_cpus if target_cpus is not None else generator_cpus
        assert given is not None
        rest = available - given
        if not rest:
            which = "--target-cpus" if target_cpus is not None else "--generator-cpus"
            raise RunFailure(EXIT_BAD_INPUT, (
                f"{which} {_show(given)} takes every available CPU ({_show(available)}): "
                "leave at least one for the other side"))
        if target_cpus is None:
            target_cpus = rest
        else:
            generator_cpus = rest
    return CpuSplit(target_cpus, generator_cpus)


@contextmanager
def pinned(cpus: frozenset[int] | None) -> Iterator[None]:
    """Run the block (and what it starts) on ``cpus``; the calling thread's affinity is
    restored afterwards. None: unchanged."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
