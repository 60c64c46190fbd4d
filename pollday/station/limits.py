"""What one request to the calculator page may ask for: its query parsed strictly, and the
work it may cause bounded before any simulation starts.

The page listens on loopback, but any site the planner visits can make the browser send it
requests; and a planner's typo (a station of a billion voters) must not take the machine
down. Every bound here is a 400 naming the bound and how to stay within it; the
calculation's own deadline and memory limit (:mod:`pollday.station.worker`) catch what no
input bound foresees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from pollday.station.page_errors import days_error
from pollday.station.page_fields import FIELDS
from simulation.errors import InputError

MAX_QUERY_CHARS = 4096  # every input at its longest fits in well under this
MAX_VALUE_CHARS = 256  # hourly_shares, the longest input: 24 numbers
MAX_FIELDS = 48  # every input once, every pool once, with room to spare
MAX_DAYS = 200  # simulated days (replications) one request may ask for
MAX_REGISTERED = 20_000  # registered voters of one station on the page
MAX_VOTER_DAYS = 200_000  # registered x turnout x days: about 20 s of simulation, unloaded
# Upper bounds of the page's times (a scan of 1e12 s makes a day of 1e12 s: its line curve
# alone would fill memory); generous for any real station.
MAX_OF = {"scan_time_s": 600.0, "manual_time_s": 3600.0, "ballot_time_s": 3600.0,
          "booth_time_s": 3600.0, "patience_min": 1440.0, "repair_min": 1440.0,
          "mtbf_h": 100_000.0}
MIN_MTBF_H = 0.1  # failures more often than every 6 minutes: not a terminal, a day of repairs
MAX_HOURLY_SHARE = 1e6  # relative weights: their sum must stay finite

Error = dict[str, str | None]


class QueryError(InputError, ValueError):
    """A request the page refuses before calculating: ``errors`` as the page shows them."""

    def __init__(self, errors: list[Error]) -> None:
        super().__init__("; ".join(str(e["message"]) for e in errors))
        self.errors = errors


def _noun(name: str) -> str:
    return FIELDS[name].noun if name in FIELDS else repr(name)


def _shown(raw: str) -> str:
    return raw if len(raw) <= 40 else f"{raw[:40]}… ({len(raw)} characters)"


def parse_query(query: str) -> dict[str, str]:
    """``a=1&b=2`` as ``{"a": "1", "b": "2"}``, refusing what no form sends: an overlong
    query or value, invalid percent-encoding, a key given twice, too many keys."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError([{"field": None, "message": f"The request is too long: at most "
                           f"{MAX_QUERY_CHARS} characters of inputs (it has {len(query)})"}])
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise QueryError([{"field": None, "message": "The inputs are not valid UTF-8 once "
                           "percent-decoded; send them as the page's form does"}]) from None
    except ValueError:  # max_num_fields
        raise QueryError([{"field": None, "message": f"Too many inputs: at most "
                           f"{MAX_FIELDS}"}]) from None
    given: dict[str, str] = {}
    errors: list[Error] = []
    for key, value in pairs:
        field = key if key in FIELDS or key.startswith("pool.") else None
        if key in given:
            errors.append({"field": field, "message": f"{_noun(key)} was given twice; "
                           "give each input once"})
        elif len(value) > MAX_VALUE_CHARS:
            errors.append({"field": field, "message": f"{_noun(key)} is too long: at most "
                           f"{MAX_VALUE_CHARS} characters (it has {len(value)})"})
        given[key] = value
    if errors:
        raise QueryError(errors)
    return given


def parse_days(raw: str) -> int:
    """Simulated days as typed: ASCII digits only ('²'.isdigit() is true, int('²') fails)."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or \
            not 1 <= int(text) <= MAX_DAYS:
        raise QueryError([days_error(_shown(raw), MAX_DAYS)])
    return int(text)


def _value(raw: str) -> float:
    """A number to compare with a bound; what is not a number is the scenario's to refuse
    (with its own message), so it passes here."""
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return value if math.isfinite(value) else 0.0


def check_inputs(given: Mapping[str, str]) -> None:
    """The page's bounds on inputs as typed, before the scenario is built from them."""
    errors: list[Error] = []
    for name, most in MAX_OF.items():
        if name in given and _value(given[name]) > most:
            errors.append({"field": name, "message": f"{_noun(name)} must be at most "
                           f"{most:g} on this page (you typed {_shown(given[name])})"})
    if "mtbf_h" in given and 0 < _value(given["mtbf_h"]) < MIN_MTBF_H:
        errors.append({"field": "mtbf_h", "message": f"{_noun('mtbf_h')} must be 0 (never "
                       f"fails) or at least {MIN_MTBF_H:g} (you typed {given['mtbf_h']})"})
    shares = given.get("hourly_shares", "")
    if shares and any(_value(w) > MAX_HOURLY_SHARE for w in shares.split(",")):
        errors.append({"field": "hourly_shares", "message": f"{_noun('hourly_shares')}: each "
                       f"number must be at most {MAX_HOURLY_SHARE:g} (they are relative)"})
    if errors:
        raise QueryError(errors)


def check_work(resolved: Mapping[str, Any], days: int) -> None:
    """The station's size and the work of ``days`` simulated days within the page's bounds."""
    registered, turnout = int(resolved["registered"]), float(resolved["turnout"])
    voters = registered * turnout
    if registered > MAX_REGISTERED:
        raise QueryError([{"field": "registered", "message": f"Registered voters must be at "
                           f"most {MAX_REGISTERED:,} on this page (you typed {registered:,}); "
                           "a bigger station is several stations: size them with "
                           "`pollday size`"}])
    if math.ceil(voters * days) > MAX_VOTER_DAYS:
        most = max(1, int(MAX_VOTER_DAYS // voters))
        raise QueryError([{"field": "replications", "message": f"Too much work for one "
                           f"answer: {voters:,.0f} voters a day x {days} simulated days is over "
                           f"{MAX_VOTER_DAYS:,} voter-days; simulate at most {most} days"}])
