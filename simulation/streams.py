"""Random streams derived from stable ids, never from a global generator.

Each station's randomness comes from ``default_rng([stream, station_index, replication,
root_seed])``: the same seed gives the same station day whichever worker process runs it,
and each stage has its own stream so that changing one input (more terminals, say) leaves
the other stages' draws untouched (common random numbers across configurations).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    ROSTER = 0
    TURNOUT = 1
    ARRIVALS = 2
    CHECKIN = 3
    CENTRAL = 4
    VOTING = 5
    PATIENCE = 6
    FAILURES = 7
    COUNTING = 8
    OUTAGES = 9
    VOTER_IDS = 10
    GROUPS = 11
    SYNC = 12
    UPLOAD = 13
    SPARES = 14  # only pollday spares: delivery times when a reserve is empty
    OPENING = 15  # which stations open late, and how late


def station_rng(
    stream: Stream, station_index: int, replication: int, root_seed: int
) -> np.random.Generator:
    return np.random.default_rng([int(stream), station_index, replication, root_seed])
