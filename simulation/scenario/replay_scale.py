"""How a load test scales the simulated day: time compression and the share of stations.

One rule and one set of defaults for the scenario's ``[loadtest]`` section (its schema
bounds say the same: compress > 0, 0 < station_share <= 1), Locust's options
(``loadtests/options.py``) and ``pollday run``'s arguments.
"""

from __future__ import annotations

__all__ = ["DEFAULT_COMPRESS", "DEFAULT_STATION_SHARE", "replay_scale_problems"]

DEFAULT_COMPRESS: float = 60  # an 11-hour day in 11 minutes (an int: the JSON Schema says 60)
DEFAULT_STATION_SHARE: float = 1  # every station


def replay_scale_problems(compress: float | None, station_share: float | None) -> list[str]:
    """What is wrong with the given values (None: not given), as messages naming the option."""
    problems = []
    if compress is not None and not compress > 0:
        problems.append(f"--compress must be positive, got {compress:g}")
    if station_share is not None and not 0 < station_share <= 1:
        problems.append(f"--station-share must be in (0, 1], got {station_share:g}")
    return problems
