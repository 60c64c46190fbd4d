"""``allocation.json`` of ``pollday allocate`` as a typed model (docs/allocation.md says what
every field means)."""

from __future__ import annotations

from pydantic import Field

from simulation.outputs.output_model import Output, Part

__all__ = ["AllocationFigures", "AllocationOutput", "FreshCheck", "PoolAllocation"]


class AllocationFigures(Part):
    """One allocation judged on a set of days."""

    units: int
    voters_over_per_day: float = Field(description="voters the line failed a day: time in "
                                       "line over the limit, or lost (the objective)")
    waited_over_per_day: float = Field(description="of which waited over the limit")
    lost_per_day: float = Field(description="of which lost (left the line, sent home)")
    worst_p95_min: float = Field(description="the worst station's p95 time in line (mean "
                                 "over its days)")
    worst_station: str | None
    equity_mad_wait_min: float = Field(description="mean absolute difference of the "
                                       "stations' mean time in line, over all pairs")
    stations_with_voters_over: int
    stations_meeting_standard: int


class FreshCheck(Part):
    """The stations where the three allocations differ, each simulated on its own (no band)
    on days no curve saw (another seed), the same days for the three; the other stations
    would add the same to each."""

    seed: int
    days: int
    stations: int = Field(description="stations judged (where the allocations differ)")
    station_days: int
    today: AllocationFigures
    proportional: AllocationFigures
    recommended: AllocationFigures


class PoolAllocation(Part):
    pool: str
    budget: int
    today_total: int
    floor: int
    floors_total: int
    placed: int = Field(description="units the recommendation places (the rest: not needed "
                        "at any station on these days)")
    not_needed: int
    curves: int = Field(description="curves simulated (stations of one band share one)")
    shared_curves: bool = Field(description="some stations share a band's curve instead of "
                                "their own")
    today: AllocationFigures
    proportional: AllocationFigures
    recommended: AllocationFigures
    fresh: FreshCheck | None = None
    meets_standard_everywhere: bool = Field(description="the recommendation meets the "
                                            "standard at every station on the curves' days")
    smallest_budget_meeting_standard: int | None = Field(
        description="each station at its fewest units meeting the standard (None: some "
        "station cannot, up to the most units tried)")
    smallest_budget_meeting_standard_elsewhere: int = Field(
        description="the same with the unreachable stations at their floor")
    stations_unreachable: list[str] = Field(description="stations not meeting the standard "
                                            "even at the most units tried")
    units_moved: int
    moves: int
    moves_by_scope: dict[str, int]
    verdict: str


class AllocationOutput(Output):
    FORMAT = 1
    FILE = "allocation.json"

    scenario: str
    objective: str
    standard: str
    wait_limit_min: float
    replications: int
    band_voters: int
    seed: int
    stations: int
    station_days_simulated: int
    pools: list[PoolAllocation]
    wall_s: float | None = None
