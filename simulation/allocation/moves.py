"""The move plan: which stations give units to which, and how many.

Stations with more units today than recommended give; those with fewer receive. Givers are
matched to receivers greedily, largest first, within a constituency of one station group
first, then within the group, then anywhere (a unit carried across a district is harder to
move than one carried down the road). A budget above today's total leaves receivers with
no giver: new units (``from_station`` None); one below leaves givers with no receiver:
units withdrawn (``to_station`` None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SCOPES", "Move", "move_plan"]

IntArray = NDArray[np.int64]
SCOPES = ("constituency", "group", "country", "new", "withdrawn")


@dataclass(frozen=True)
class Move:
    from_station: int | None
    to_station: int | None
    units: int
    scope: str  # one of SCOPES


def _match(give: dict[int, int], take: dict[int, int], key: Callable[[int], object],
           scope: str) -> list[Move]:
    """Greedy matching of givers to receivers sharing ``key``, largest first (ties: index)."""
    givers_by: dict[object, list[int]] = {}
    takers_by: dict[object, list[int]] = {}
    for s in sorted(give, key=lambda s: (-give[s], s)):
        if give[s]:
            givers_by.setdefault(key(s), []).append(s)
    for s in sorted(take, key=lambda s: (-take[s], s)):
        if take[s]:
            takers_by.setdefault(key(s), []).append(s)
    moves = []
    for k in sorted(givers_by.keys() & takers_by.keys(), key=repr):
        givers, takers = givers_by[k], takers_by[k]
        i = j = 0
        while i < len(givers) and j < len(takers):
            g, t = givers[i], takers[j]
            n = min(give[g], take[t])
            moves.append(Move(g, t, n, scope))
            give[g] -= n
            take[t] -= n
            i += give[g] == 0
            j += take[t] == 0
    return moves


def move_plan(today: IntArray, recommended: IntArray, group: IntArray,
              constituency: IntArray) -> list[Move]:
    """Moves turning ``today`` into ``recommended``."""
    diff = np.asarray(recommended, dtype=np.int64) - np.asarray(today, dtype=np.int64)
    give = {int(s): int(-diff[s]) for s in np.flatnonzero(diff < 0)}
    take = {int(s): int(diff[s]) for s in np.flatnonzero(diff > 0)}
    moves = _match(give, take, lambda s: (int(group[s]), int(constituency[s])), "constituency")
    moves += _match(give, take, lambda s: int(group[s]), "group")
    moves += _match(give, take, lambda s: 0, "country")
    moves += [Move(None, s, n, "new") for s, n in sorted(take.items()) if n]
    moves += [Move(s, None, n, "withdrawn") for s, n in sorted(give.items()) if n]
    return moves
