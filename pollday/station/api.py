"""``pollday station`` as library calls with typed :class:`StationOptions`: one station's day
(:func:`station_answer`, a typed :class:`~pollday.station.answer.StationAnswer`) or the
calculator page (:func:`serve_station_page`).

A script names the inputs as fields (``StationOptions(registered=1400, terminals=2)``); the
command line and the web page pass what the user typed as ``inputs`` strings. Both go through
the same strict parsing (:mod:`pollday.station.inputs`), so a field is checked exactly as the
flag of the same name is, and the error names the flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pollday.station.answer import StationAnswer
from pollday.station.base import base_data
from pollday.station.calc import DEFAULT_DAYS, answer
from pollday.station.catalog import INPUT_NAMES
from pollday.station.defaults import StationInputError
from pollday.station.pools import POOL_KEY

__all__ = ["StationOptions", "serve_station_page", "station_answer"]

Clock = str | dt.time  # "HH:MM" or a time of day


@dataclass(frozen=True)
class StationOptions:
    """One station's inputs. Every input left None keeps the scenario group's value (or the
    built-in station's); the meaning and range of each are those of ``pollday station
    --help`` (``terminals`` is ``--terminals``)."""

    scenario: Path | None = None  # start from a station group of this scenario
    group: str | None = None  # the group, when the scenario has several
    registered: int | None = None
    turnout: float | None = None  # share of registered voters who come, 0-1
    opening: Clock | None = None
    closing: Clock | None = None
    profile: str | None = None  # flat, morning, evening, two-peaks
    hourly_shares: Sequence[float] | None = None  # relative arrivals per opening hour
    queue_at_opening: float | None = None  # share of voters in line at opening
    terminals: int | None = None
    scan_time_s: float | None = None
    success: float | None = None  # chance one scan attempt recognises the voter
    attempts: int | None = None
    fallback: str | None = None  # manual or refuse
    manual_time_s: float | None = None
    connectivity: str | None = None  # online or offline
    desks: int | None = None
    ballot_time_s: float | None = None
    booths: int | None = None
    booth_time_s: float | None = None
    patience_min: float | None = None  # median patience in line; 0: nobody leaves
    mtbf_h: float | None = None  # mean hours between terminal failures; 0: never fail
    repair_min: float | None = None
    close_line: str | None = None  # serve or close
    opens_late_min: float | None = None  # the station opens this late every day; 0: on time
    # Units of the pools of a [[flow]] scenario's station ({"urna": 2}).
    pools: Mapping[str, int] = field(default_factory=dict)
    # Overrides as typed by a user (the CLI and web page); "pool.NAME" sets a pool's units.
    inputs: Mapping[str, str] = field(default_factory=dict)
    replications: int = DEFAULT_DAYS
    seed: int | None = None  # None: 1, or the scenario's

    def given(self) -> dict[str, str]:
        """Every input set, as the strings the strict parser reads; StationInputError when
        one is set twice (a field and the same key in ``inputs``)."""
        typed = {name: _text(getattr(self, name)) for name in INPUT_NAMES
                 if getattr(self, name) is not None}
        typed.update({POOL_KEY + pool: _text(units) for pool, units in self.pools.items()})
        twice = sorted(set(typed) & set(self.inputs))
        if twice:
            raise StationInputError(
                f"{', '.join(twice)}: set both as a field and in inputs; give each once")
        return {**self.inputs, **typed}


def _text(value: object) -> str:
    """A typed value as the user would type it (the parser then checks it like a flag)."""
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ",".join(str(v) for v in value)
    return str(value)


def station_answer(options: StationOptions) -> StationAnswer:
    """Waits, line, lost votes and the standard for one station; StationInputError (exit 2)
    naming the input that cannot be used."""
    base = base_data(options.scenario, options.group)
    return StationAnswer.model_validate(
        answer(base, options.given(), options.replications, options.seed))


def serve_station_page(options: StationOptions, port: int) -> int:
    """Serve the calculator at 127.0.0.1:``port`` until interrupted; OSError when the port
    cannot be opened."""
    from pollday.station.web import serve  # only the page needs the server

    base = base_data(options.scenario, options.group)
    return serve(base, options.given(), options.replications, options.seed, port)
