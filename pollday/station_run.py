"""``pollday station`` as library calls with typed :class:`StationOptions`: one station's day
(:func:`station_answer`) or the calculator page (:func:`serve_station_page`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pollday.station_calc import DEFAULT_DAYS, answer
from pollday.station_inputs import base_data

__all__ = ["StationOptions", "serve_station_page", "station_answer"]


@dataclass(frozen=True)
class StationOptions:
    scenario: Path | None = None  # start from a station group of this scenario
    group: str | None = None  # the group, when the scenario has several
    # Overrides, as typed by the user; "pool.NAME" sets a pool's units ({"pool.urna": "2"}).
    inputs: dict[str, str] = field(default_factory=dict)
    replications: int = DEFAULT_DAYS
    seed: int | None = None  # None: 1, or the scenario's


def station_answer(options: StationOptions) -> dict[str, Any]:
    """Waits, line, lost votes and the standard for one station; StationInputError (exit 2)
    naming the input that cannot be used."""
    base = base_data(options.scenario, options.group)
    return answer(base, options.inputs, options.replications, options.seed)


def serve_station_page(options: StationOptions, port: int) -> int:
    """Serve the calculator at 127.0.0.1:``port`` until interrupted; OSError when the port
    cannot be opened."""
    from pollday.station_web import serve  # only the page needs the server

    base = base_data(options.scenario, options.group)
    return serve(base, options.inputs, options.replications, options.seed, port)
