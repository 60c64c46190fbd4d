"""Writing a scenario's register file: :func:`write_register_file` with typed
:class:`RegisterOptions` (what ``pollday register`` runs), or :func:`write_register` for a
loaded scenario. The lines themselves come from :mod:`loadtests.register`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
from numpy.typing import NDArray

from loadtests.register.synthetic import (
    DEFAULT_WEBCAM_SHARE,
    NamePools,
    build_name_pools,
    header_lines,
    voter_lines,
)
from loadtests.thresholds import check_figure
from simulation import Scenario, build_stations, load_scenario
from simulation.errors import InputError
from simulation.execution.orphans import die_with_parent
from simulation.execution.spawn import workers_without_main

__all__ = [
    "ProgressBar",
    "RegisterOptions",
    "RegisterSummary",
    "VoterProgress",
    "no_progress",
    "write_register",
    "write_register_file",
]


@dataclass(frozen=True)
class RegisterOptions:
    """What ``pollday register`` is asked; raises InputError for values it cannot use."""

    scenario: Path
    out: Path
    webcam_share: float = DEFAULT_WEBCAM_SHARE
    workers: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.webcam_share <= 1:
            raise InputError(f"--webcam-share must be between 0 and 1, got {self.webcam_share}")


# Called with the number of voters just written (once per batch of stations, never per voter).
VoterProgress = Callable[[int], None]
# Given the total number of voters, a context whose value is the VoterProgress to call. The
# CLI passes a rich bar (pollday.console); this module stays free of pollday and terminals.
ProgressBar = Callable[[int], AbstractContextManager[VoterProgress]]


@contextmanager
def no_progress(_total_voters: int) -> Iterator[VoterProgress]:
    yield lambda _n: None


@dataclass(frozen=True)
class RegisterSummary:
    stations: int
    voters: int
    bytes_written: int
    seconds: float


@dataclass(frozen=True)
class _Batch:
    """Stations [first, first + len(counts)) with their voter counts."""

    first: int
    counts: list[int]
    seed: int
    election_day: dt.date


_worker_pools: NamePools | None = None


def _init_worker(locale: str, seed: int) -> None:
    global _worker_pools
    _worker_pools = build_name_pools(locale, seed)


def _init_pool_worker(parent: int, locale: str, seed: int) -> None:
    die_with_parent(parent)  # a killed `pollday register` leaves no worker rendering on
    _init_worker(locale, seed)


def _render_batch(batch: _Batch) -> bytes:
    assert _worker_pools is not None
    return "".join(voter_lines(batch.first + k, n, batch.seed, _worker_pools,
                               batch.election_day)
                   for k, n in enumerate(batch.counts)).encode()


def _batches(registered: NDArray[np.int64], seed: int, day: dt.date,
             stations_per_batch: int = 40) -> Iterator[_Batch]:
    for first in range(0, len(registered), stations_per_batch):
        counts = [int(x) for x in registered[first:first + stations_per_batch]]
        yield _Batch(first, counts, seed, day)


def _open_out(out: Path) -> BinaryIO:
    # gzip level 1: ~5x smaller at a fraction of the CPU of the default level 9.
    if out.suffix == ".gz":
        return cast(BinaryIO, gzip.open(out, "wb", compresslevel=1))
    return out.open("wb", buffering=1 << 20)


def write_register(scenario: Scenario, out: Path, *,
                   webcam_share: float = DEFAULT_WEBCAM_SHARE,
                   workers: int = 2,
                   progress: VoterProgress | None = None) -> RegisterSummary:
    """Write the register of ``scenario`` to ``out`` (gzip if it ends in .gz).

    Voter lines are rendered by ``workers`` processes (spawned, so a caller with threads is
    safe) in batches of stations and written in station order by this process, which calls
    ``progress`` with each batch's voter count once the batch is written.
    """
    start = time.perf_counter()
    election = scenario.election
    stations = build_stations(scenario)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    batches = list(_batches(stations.registered, election.seed, election.date))
    advance = progress or (lambda _n: None)
    with _open_out(out) as raw:
        for line in header_lines(scenario, webcam_share):
            written += raw.write(line.encode())
        if workers <= 1:
            _init_worker(election.locale, election.seed)
            for batch in batches:
                written += raw.write(_render_batch(batch))
                advance(sum(batch.counts))
        else:
            context = multiprocessing.get_context("spawn")
            with workers_without_main(), context.Pool(
                workers, _init_pool_worker, (os.getpid(), election.locale, election.seed)
            ) as pool:
                chunks = pool.imap(_render_batch, batches)
                for batch, chunk in zip(batches, chunks, strict=True):
                    written += raw.write(chunk)
                    advance(sum(batch.counts))
    return RegisterSummary(len(stations), int(stations.registered.sum()), written,
                           time.perf_counter() - start)


def write_register_file(options: RegisterOptions,
                        progress_bar: ProgressBar = no_progress) -> RegisterSummary:
    """Load the scenario and write its register; ScenarioError for a bad scenario,
    InputError for an output that cannot be written."""
    scenario = load_scenario(options.scenario, check_figure=check_figure)
    total_voters = int(build_stations(scenario).registered.sum())
    try:
        with progress_bar(total_voters) as advance:
            return write_register(scenario, options.out, webcam_share=options.webcam_share,
                                  workers=max(1, options.workers), progress=advance)
    except OSError as exc:
        raise InputError(f"cannot write {options.out}: {exc.strerror}") from None
