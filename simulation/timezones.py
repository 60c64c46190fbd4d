"""Named time zones in scenarios: ``time_zone = "Asia/Baku"`` instead of a bare UTC offset.

The model runs on UTC offsets; a named zone is turned into the offset in force at noon
(local) on election day, so daylight saving is right for the day that is simulated. A
scenario may give both, and then they must agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_NOON = dt.time(12, 0)


def offset_h(zone: str, day: dt.date) -> float:
    """UTC offset in hours of the IANA zone ``zone`` at local noon on ``day``."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {zone!r}; use an IANA name such as 'Asia/Baku' or "
            "'Europe/London', or give utc_offset_h instead"
        ) from None
    offset = dt.datetime.combine(day, _NOON, tzinfo=tz).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset.total_seconds() / 3600


def _election_day(election: dict[str, Any]) -> dt.date | None:
    day = election.get("date")
    if isinstance(day, dt.date):
        return day
    if isinstance(day, str):
        try:
            return dt.date.fromisoformat(day)
        except ValueError:
            return None  # the schema reports the bad date
    return None


def _resolve(section: dict[str, Any], path: str, day: dt.date) -> dict[str, Any]:
    zone = section.get("time_zone")
    if not isinstance(zone, str):
        return section  # absent, or the wrong type: the schema reports it
    try:
        hours = offset_h(zone, day)
    except ValueError as error:
        raise ValueError(f"{path}.time_zone: {error}") from None
    given = section.get("utc_offset_h")
    if isinstance(given, int | float) and abs(given - hours) > 1e-9:
        raise ValueError(
            f"{path}.utc_offset_h: {given} disagrees with time_zone {zone!r}, which is "
            f"UTC{hours:+g} on {day:%Y-%m-%d}; give one of them"
        )
    return {**section, "utc_offset_h": hours}


def resolve_time_zones(data: Any) -> Any:
    """Raw scenario data with ``utc_offset_h`` filled in from every ``time_zone``."""
    if not isinstance(data, dict) or not isinstance(data.get("election"), dict):
        return data
    day = _election_day(data["election"])
    if day is None:
        return data
    out = {**data, "election": _resolve(data["election"], "election", day)}
    groups = data.get("station_groups")
    if isinstance(groups, list):
        out["station_groups"] = [
            _resolve(g, f"station_groups[{k}]", day) if isinstance(g, dict) else g
            for k, g in enumerate(groups)
        ]
    return out
