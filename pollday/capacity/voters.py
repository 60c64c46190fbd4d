"""Which voters a capacity level checks in: every level (``--host``) and every pass of the
window (a level that replays it several times) meets voters who have not voted yet.

Different blocks of a station's voters are different people, so a target that keeps its
database meets fresh voters in every level, and a level of several passes in every pass;
the load is unchanged (same stations, same times). See docs/capacity.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pollday.exits import EXIT_HARNESS
from pollday.harness.failure import RunFailure
from simulation.outputs.schedule import PROTOCOL_KINDS


def fresh_voters(rows: NDArray[np.void], registered: NDArray[np.int64], block: int,
                 host: str) -> NDArray[np.void]:
    """``rows`` with each station's voters replaced by its ``block``-th block of voters: the
    window's distinct voters of a station, ranked, then shifted by ``block`` times their
    number. Different blocks are different people, so every level on a target that keeps
    its database (``--host``) meets voters who have not voted yet; the load is unchanged
    (same stations, same times)."""
    out = rows.copy()
    real = out["voter"] >= 0  # duplicates (-1) pick someone accepted in the level itself
    station = out["station"][real].astype(np.int64)
    keys = (station << 32) | out["voter"][real].astype(np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    unique_station = unique >> 32
    first = np.searchsorted(unique_station, unique_station)  # first key of each station
    rank = (np.arange(len(unique)) - first)[inverse]
    per_station = np.bincount(unique_station, minlength=len(registered))
    voter = block * per_station[station] + rank
    over = voter >= registered[station]
    if over.any():
        s = int(station[over][0])
        raise RunFailure(EXIT_HARNESS, (
            f"no fresh voters left for level {block + 1} on {host}: station {s} has "
            f"{int(registered[s])} registered and the window checks in {per_station[s]} of "
            f"them per level; restart the target with a fresh database, or use a shorter "
            "--window or a larger --precision (fewer levels)"))
    out["voter"][real] = voter.astype(out["voter"].dtype)
    return out


def level_rows(rows: NDArray[np.void], stations: NDArray[np.int64], passes: int,
               window_s: float, registered: NDArray[np.int64] | None, first_block: int,
               host: str) -> NDArray[np.void]:
    """A level's schedule: the window's ``rows`` of its ``stations``, once (``registered``
    None: a fresh embedded service meets the simulated voters), or ``passes`` times back to
    back, pass k with block ``first_block + k`` of every station's voters. Protocols are
    sent in the first pass only: a station counts once."""
    rows = rows[np.isin(rows["station"], stations)]
    if registered is None:
        return rows
    parts = []
    for k in range(passes):
        part = fresh_voters(rows, registered, first_block + k, host)
        if k:
            part = part[~np.isin(part["kind"], PROTOCOL_KINDS)]
            part["time_s"] += k * window_s
        parts.append(part)
    return np.concatenate(parts)
