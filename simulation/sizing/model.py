"""``sizing.json`` of ``pollday size`` as a typed model (``docs/sizing.md`` says what every
field means; :mod:`simulation.sizing.summary` computes it)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from simulation.outputs.output_model import Output, Part


class ResourceTotals(Part):
    current: int
    recommended: int
    to_add: int
    could_move_elsewhere: int
    cost_to_add: float | None = Field(default=None, description="with [costs] only")
    cost_recommended: float | None = None


# resource name -> its totals; "currency" -> the scenario's currency (with [costs] only)
Totals = dict[str, ResourceTotals | str]


class GroupTotals(Part):
    group: str
    stations: int
    totals: Totals
    reasons: dict[str, int]
    current_target_met_share: float | None
    current_p95_wait_min: float | None
    recommended_p95_wait_min: float | None


class HardStation(Part):
    station: str
    group: str
    registered: int
    units: dict[str, int] = Field(description="recommended units by pool label")
    p95_wait_min: float


class SizingOutput(Output):
    FORMAT = 2  # 2: the standard, and the fresh-day confirmation
    FILE = "sizing.json"

    scenario: str
    targets: list[str]
    confidence: float
    replications: int
    resources: list[str]
    band_voters: int
    seed: int
    stations: int
    bands: int
    station_days_simulated: int
    stations_unreachable: int
    totals: Totals
    reasons: dict[str, int]
    interval: str
    groups: list[GroupTotals]
    hardest_stations: list[HardStation]
    confirmation: dict[str, Any] | None = Field(
        default=None, description="today's hardware and the recommendation on fresh days "
        "(simulation/sizing/confirm.py): lost votes, last voter out, stations meeting the "
        "standard, nationally and per group")
    standard: str | None = Field(default=None, description="the standard sized for")
    sensitivity: list[dict[str, Any]] | None = Field(
        default=None, description="the what-ifs (--what-if), each with its own totals")
    wall_s: float | None = None
