"""One station roster per worker process, shared by every task that needs it.

Tasks sent to workers (simulation chunks, sizing bands, sizing re-checks) carry only the
scenario, never its roster: each worker builds the roster once and reuses it. Building it is
deterministic, so the cache changes nothing but the time (a country's roster is rebuilt once
per worker, not once per task), and a task rerun on another worker finds the same roster.
"""

from __future__ import annotations

import hashlib

from simulation.scenario.model import Scenario
from simulation.stations import StationTable, build_stations

__all__ = ["roster", "roster_key"]

# One entry: a worker serves one scenario at a time (a what-if replaces it).
_ROSTERS: dict[str, StationTable] = {}


def roster_key(scenario: Scenario) -> str:
    """Names the station roster: same scenario text, same roster."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def roster(scenario: Scenario, key: str | None = None) -> StationTable:
    """``build_stations(scenario)``, built once per process; ``key`` if already known."""
    key = roster_key(scenario) if key is None else key
    if key not in _ROSTERS:
        _ROSTERS.clear()
        _ROSTERS[key] = build_stations(scenario)
    return _ROSTERS[key]
