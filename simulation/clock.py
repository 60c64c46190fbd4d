"""The schedule clock: time zero is the earliest opening anywhere, schedule times are seconds
since it.

Every station opens at the same local time, so the station furthest east (the largest UTC
offset) opens first and defines time zero. The simulation's events, the load test's replay,
the public-load timeline and the summary's local clock all convert through these functions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

__all__ = ["home_opening_s", "opening_offsets_s", "time_zero_utc"]


def opening_offsets_s(utc_offset_min: NDArray[np.int64]) -> NDArray[np.float64]:
    """Seconds from time zero to each station's opening (stations' UTC offsets in minutes)."""
    offsets_s: NDArray[np.float64] = ((utc_offset_min.max() - utc_offset_min) * 60).astype(
        np.float64)
    return offsets_s


def home_opening_s(utc_offset_min: NDArray[np.int64], home_utc_offset_h: float) -> float:
    """Seconds from time zero to the opening in the home (capital's) time zone."""
    return float((int(utc_offset_min.max()) - round(home_utc_offset_h * 60)) * 60)


def time_zero_utc(day: dt.date, opening: dt.time,
                  utc_offset_min: NDArray[np.int64]) -> dt.datetime:
    """The UTC instant of time zero: the local opening where the offset is largest."""
    local = dt.datetime.combine(day, opening, tzinfo=dt.UTC)
    return local - dt.timedelta(minutes=int(utc_offset_min.max()))
