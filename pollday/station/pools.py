"""The calculator's ``--pool NAME=N``: the units of one pool of the station's flow.

Any flow's pools can be set by name, the default flow's too (``terminal``, ``desk``,
``booth``: the same as ``--terminals``, ``--desks``, ``--booths``). Inputs carry them as
``pool.NAME`` keys (the web page's query parameters use the same names), so the command line
and the page go through one check: a whole number from 1 to :data:`MAX_POOL_UNITS`, parsed
strictly, for a pool the scenario's flow has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pollday.station.defaults import DEFAULT_POOL_FIELDS, StationInputError

MAX_POOL_UNITS = 500  # every count a planner types has a range
POOL_KEY = "pool."  # an input named pool.urna sets the urna pool's units


def base_pools(base: Mapping[str, Any]) -> list[str]:
    """The pools of the starting station's flow, in order of first use."""
    if not base.get("flow"):
        return list(DEFAULT_POOL_FIELDS)
    return list(dict.fromkeys(str(stage["pool"]) for stage in base["flow"]))


def pool_inputs(specs: Iterable[str]) -> dict[str, str]:
    """``["urna=2", "mesa=1"]`` (the repeated ``--pool`` flag) as inputs
    ``{"pool.urna": "2", "pool.mesa": "1"}``; the units are checked with the scenario."""
    given: dict[str, str] = {}
    for spec in specs:
        name, equals, units = spec.partition("=")
        name, units = name.strip(), units.strip()
        if not equals or not name or not units:
            raise StationInputError(f"--pool {spec!r}: write NAME=N, e.g. --pool urna=2")
        if POOL_KEY + name in given:
            raise StationInputError(f"--pool {name}: given twice (give each pool once)")
        given[POOL_KEY + name] = units
    return given


def pool_count(name: str, raw: str) -> int:
    """A pool's units as typed: ASCII digits only ('²'.isdigit() is true), 1 to 500."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_POOL_UNITS:
        raise StationInputError(
            f"--pool {name}={raw}: the units must be a whole number from 1 to "
            f"{MAX_POOL_UNITS}")
    return int(text)


def apply_pools(data: dict[str, Any], given: Mapping[str, str]) -> None:
    """Set the units of every ``pool.NAME`` input in the one station's group of ``data``."""
    asked = {key[len(POOL_KEY):]: raw for key, raw in given.items() if key.startswith(POOL_KEY)}
    if not asked:
        return
    pools = base_pools(data)
    unknown = sorted(set(asked) - set(pools))
    if unknown:
        what = ("this scenario's flow" if data.get("flow")
                else "the built-in station (the default flow)")
        raise StationInputError(
            f"--pool {unknown[0]}: {what} has no pool {unknown[0]!r}; its pools: "
            f"{', '.join(pools)}")
    group = data["station_groups"][0]
    for name in pools:
        if name not in asked:
            continue
        units = pool_count(name, asked[name])
        if data.get("flow"):
            group["pools"] = {**group.get("pools", {}), name: units}
            continue
        field = DEFAULT_POOL_FIELDS[name]
        if field in given:
            raise StationInputError(
                f"--pool {name}: --{field} also sets it; give one of the two")
        group[field] = units


def is_pool_input(name: str) -> bool:
    return name.startswith(POOL_KEY)
