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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
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


def check_zone(zone: str) -> str:
    """A field validator: ``zone`` names a time zone the tz database knows."""
    offset_h(zone, dt.date(2000, 1, 1))
    return zone


def _filled(section: dict[str, Any], day: dt.date) -> dict[str, Any]:
    zone = section.get("time_zone")
    if not isinstance(zone, str) or "utc_offset_h" in section:
        return section  # nothing to fill; the schema and Scenario._check judge the rest
    try:
        return {**section, "utc_offset_h": offset_h(zone, day)}
    except ValueError:
        return section  # the field validator of time_zone reports it


def resolve_time_zones(data: Any) -> Any:
    """Raw scenario data with a missing ``utc_offset_h`` filled in from its ``time_zone``.

    Never raises (a before-validator that raises would hide every other problem): unknown
    zones and disagreements are reported by the schema's own checks.
    """
    if not isinstance(data, dict) or not isinstance(data.get("election"), dict):
        return data
    day = _election_day(data["election"])
    if day is None:
        return data
    out = {**data, "election": _filled(data["election"], day)}
    groups = data.get("station_groups")
    if isinstance(groups, list):
        out["station_groups"] = [_filled(g, day) if isinstance(g, dict) else g for g in groups]
    return out


def disagreement(path: str, zone: str, given_h: float, day: dt.date) -> str | None:
    """The problem when ``given_h`` is not the offset of ``zone`` on ``day``, else None."""
    hours = offset_h(zone, day)
    if abs(given_h - hours) <= 1e-9:
        return None
    return (f"{path}.utc_offset_h: {given_h:g} disagrees with time_zone {zone!r}, which is "
            f"UTC{hours:+g} on {day:%Y-%m-%d}; give one of them")
