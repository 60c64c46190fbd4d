"""The load-test schedule: every request the simulated day sends to the central services.

Format (``schedule.npy``, a NumPy structured array, time-sorted; load it with
``numpy.load(path)``):

=========== ========= ==============================================================
field       dtype     meaning
=========== ========= ==============================================================
``time_s``  float64   intended send time, seconds since the earliest opening anywhere
``kind``    uint8     :class:`EventKind`
``station`` int32     station index (``PS{index+1:05d}`` is its public id)
``voter``   int32     voter index in that station's register; -1 for duplicate
                      attempts (the replay picks someone already accepted elsewhere);
                      for protocol uploads minus the attempt number (-1 the first, -2
                      the first retry ...: ``voter >= 0`` stays "a real voter")
=========== ========= ==============================================================

Every protocol upload attempt is a row: ``PROTOCOL_FAILED`` for an attempt the simulation
decided fails (the station retries it per the scenario's ``[counting]`` retry policy),
``PROTOCOL`` for the one that goes through. A station counted elsewhere has neither.

Rows of kind ``SYNC_CHECKIN``/``SYNC_DUPLICATE`` with the same station and time form one
batch upload (an offline station syncing, or an online one flushing its buffer after an
outage).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SCHEDULE_DTYPE = np.dtype([("time_s", "<f8"), ("kind", "u1"), ("station", "<i4"), ("voter", "<i4")])
Schedule = NDArray[np.void]


class EventKind(IntEnum):
    CHECKIN = 0
    DUPLICATE = 1
    SYNC_CHECKIN = 2
    SYNC_DUPLICATE = 3
    PROTOCOL = 4
    PROTOCOL_FAILED = 5  # an upload attempt that fails (docs/loadtests.md: how it is sent)


# Every protocol upload attempt: the one that goes through and the ones that fail.
PROTOCOL_KINDS = (EventKind.PROTOCOL, EventKind.PROTOCOL_FAILED)


def make_rows(
    time_s: NDArray[np.float64], kind: NDArray[np.integer], station: int, voter: NDArray[np.integer]
) -> Schedule:
    rows = np.empty(len(time_s), dtype=SCHEDULE_DTYPE)
    rows["time_s"] = time_s
    rows["kind"] = kind
    rows["station"] = station
    rows["voter"] = voter
    return rows


def merge(parts: list[Schedule]) -> Schedule:
    """Concatenate and sort by time; ties keep station order (stable sort)."""
    if not parts:
        return np.empty(0, dtype=SCHEDULE_DTYPE)
    rows = np.concatenate(parts)
    return rows[np.argsort(rows["time_s"], kind="stable")]


def save(path: Path, rows: Schedule) -> None:
    np.save(path, rows, allow_pickle=False)


def load(path: Path, *, mmap: bool = False) -> Schedule:
    """The schedule in ``path``; ``mmap``: mapped, not read (a country's schedule is read
    only where it is used, e.g. the replayed stations' rows)."""
    rows: Schedule = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    if rows.dtype != SCHEDULE_DTYPE:
        raise ValueError(f"{path}: not a pollday schedule (dtype {rows.dtype})")
    return rows
