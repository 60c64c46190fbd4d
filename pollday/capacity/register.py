"""The register of an embedded capacity level: its stations' voters, as many as its passes
of the window need.

A level that replays the window several times checks in other voters of the same stations
in every pass (:func:`pollday.capacity.voters.fresh_voters`): pass k uses the k-th block of
each station's window voters. The embedded service is the harness's own target, started
afresh for the level, so its register simply holds those blocks even where they go past the
station's simulated register (a small station replayed many times at a high multiple); ids
and names are made exactly as for the real register (:mod:`loadtests.register`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from loadtests.register import (
    DEFAULT_WEBCAM_SHARE,
    MAX_VOTERS_PER_STATION,
    build_name_pools,
    header_lines,
    voter_lines,
)
from simulation import Scenario


def level_voters(registered: NDArray[np.int64], window_voters: NDArray[np.int64],
                 passes: int) -> NDArray[np.int64]:
    """Voters per station an embedded level's register holds: its register, or the blocks
    its passes check in when those are more (at most the id space of a station)."""
    needed = np.maximum(registered, passes * window_voters)
    return np.minimum(needed, MAX_VOTERS_PER_STATION).astype(np.int64)


def embedded_fresh_passes(window_voters: NDArray[np.int64]) -> NDArray[np.int64]:
    """Passes an embedded level may make per station: as many as the id space holds."""
    unlimited = np.iinfo(np.int64).max
    out = np.full(len(window_voters), unlimited, dtype=np.int64)
    has = window_voters > 0
    out[has] = MAX_VOTERS_PER_STATION // window_voters[has]
    return out


def write_level_register(scenario: Scenario, out: Path, stations: NDArray[np.int64],
                         voters: NDArray[np.int64]) -> int:
    """Write the register of ``stations`` with ``voters[s]`` voters each; return how many."""
    election = scenario.election
    pools = build_name_pools(election.locale, election.seed)
    total = 0
    with out.open("w", encoding="utf-8") as f:
        for line in header_lines(scenario, DEFAULT_WEBCAM_SHARE):
            f.write(line)
        for s in stations.tolist():
            count = int(voters[s])
            f.write(voter_lines(s, count, election.seed, pools, election.date))
            total += count
    return total
