"""The calculator's numbers and times of day as typed, parsed strictly.

``int()`` and ``float()`` take more than a planner means: "１２" (full-width digits), "1_000",
" 12 ", and digit strings thousands long (whose conversion alone is slow). The page is
reachable from any site the planner visits, so what it accepts is spelled out here: ASCII
digits, an optional sign, decimal point and exponent, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from pollday.station.defaults import StationInputError

# What a number may look like: ASCII digits only. int() and float() also take "１２"
# (full-width), "1_000", " 12 " and 4,300-digit strings, none of which a planner means.
_INT = re.compile(r"-?[0-9]{1,15}")
_FLOAT = re.compile(r"-?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})(?:[eE][-+]?[0-9]{1,3})?"
                    r"|-?(?:nan|inf|infinity)", re.I)
_HHMM = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(?::00)?")


def parse_number(name: str, raw: str, kind: str) -> float:
    """Input ``name``'s number as typed (``kind`` "int" or "float"), finite; else the
    StationInputError the page turns into words at the field."""
    try:
        if not (_INT if kind == "int" else _FLOAT).fullmatch(raw):
            raise ValueError(raw)
        value = int(raw) if kind == "int" else float(raw)
    except ValueError:
        whole = "whole " if kind == "int" else ""
        raise StationInputError(f"--{name.replace('_', '-')}: {raw!r} is not a {whole}number"
                                ) from None
    if not math.isfinite(value):
        raise StationInputError(f"--{name.replace('_', '-')}: {raw!r} must be finite")
    return value


def minutes_of(text: str) -> int:
    """Minutes after midnight of "HH:MM" (or "HH", or the browser's "HH:MM:00")."""
    m = _HHMM.fullmatch(text.strip())
    try:
        if m is None:
            raise ValueError(text)
        t = dt.time(int(m[1]), int(m[2] or "0"))
    except ValueError:
        raise StationInputError(f"{text!r} is not a time of day (HH:MM)") from None
    return t.hour * 60 + t.minute


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
