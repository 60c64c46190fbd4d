"""``spares.json`` of ``pollday spares`` as a typed model (``docs/spares.md`` says what every
field means; :mod:`simulation.spares.plan` computes it)."""

from __future__ import annotations

from pydantic import Field

from simulation.outputs.output_model import Output, Part


class MissingSpare(Part):
    stock: int = Field(description="spares held: one fewer than needed")
    days_short: int = Field(description="simulated days on which that stock ran out")
    extra_lost_votes_per_day: float = Field(
        description="lost votes a day in the reserve's simulated stations, against holding "
        "the spares needed (the same days; every day counted, short or not)")
    station_days_simulated: int


class Represented(Part):
    """The real stations a weighted reserve's simulated ones stand for."""

    stations: int
    expected_replacements: float = Field(description="Poisson mean, as for the sample")
    simulated_mean: float = Field(description="the simulated station-days' mean, times the "
                                  "real stations")
    simulated_mean_se: float = Field(description="its standard error")
    needed_analytic: int = Field(description="the Poisson quantile: the sum of many stations' "
                                 "rare replacements")


class ReserveSpares(Part):
    reserve: str
    pool: str
    groups: list[str]
    stations: int = Field(description="simulated stations drawing from the reserve")
    units: int = Field(description="units of the pool at those stations")
    expected_replacements: float = Field(
        description="Poisson mean: λT/(1 + λE[D])·(1 − p) per unit, summed")
    expected_replacements_max: float = Field(description="its upper bound λT·(1 − p), summed")
    simulated_mean: float = Field(description="mean replacements a simulated day")
    simulated_max: int
    needed_simulated: int = Field(description="the confidence quantile of the days' replacements")
    needed_analytic: int = Field(description="the Poisson quantile at the same confidence")
    days_covered_by_analytic: float = Field(
        description="share of simulated days whose replacements the analytic answer covers")
    missing_spare: MissingSpare | None = Field(
        default=None, description="absent when no spare is needed")
    represented: Represented | None = Field(
        default=None, description="weighted groups only: the real reserve")


class SparesOutput(Output):
    FORMAT = 1
    FILE = "spares.json"

    scenario: str
    confidence: float
    replications: int
    seed: int
    day_h: float
    missing_delivery: str = Field(description="what a replacement takes once the reserve is empty")
    reserves: list[ReserveSpares]
    notes: list[str] = Field(default_factory=list)
    wall_s: float
