"""The one-station calculator's answer as a typed model (:class:`StationAnswer`): what
:func:`pollday.station.calc.answer` computes, checked field by field, read by the command's
table and dumped, unchanged, as the command's ``--json`` and the web page's JSON.

Fields a scenario does not have are absent, not null: a ``[[flow]]`` scenario's station has
pools, not terminals, desks and booths (:func:`pollday.station.defaults.resolved_inputs`), so
:meth:`StationAnswer.to_json` leaves out what the calculation left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ArrivalInterval", "Fault", "FewestUnits", "LinePoint", "LongestLine",
           "LostVotes", "ResolvedInputs", "StandardPart", "StationAnswer", "StationStandard",
           "Utilisation", "Waits"]


class _Part(BaseModel):
    # An answer key the model does not know is a bug between calc and model: fail loudly.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArrivalInterval(_Part):
    start: str  # HH:MM, home local time
    end: str
    share: float  # of the day's arrivals


class Fault(_Part):
    """One pool's failures: ``[failures]`` (the identification pool) or a device fault."""

    pool: str
    source: str  # "failures" or "device_faults"
    mtbf_h: float
    repair_probability: float
    repair_time_min_mean: float | None
    replacement_time_min_mean: float | None


class ResolvedInputs(_Part):
    """The inputs as the station runs them. The five built-in flow fields (terminals, desks,
    booths and their times) are None when the scenario has its own ``[[flow]]``."""

    registered: int
    turnout: float
    opening: str
    closing: str
    arrival_intervals: list[ArrivalInterval]
    queue_at_opening: float
    terminals: int | None = None
    scan_time_s: float | None
    success: float | None  # None: no biometric check (a [[flow]] without one)
    attempts: int | None
    fallback: str
    manual_time_s: float | None
    connectivity: str
    desks: int | None = None
    ballot_time_s: float | None = None
    booths: int | None = None
    booth_time_s: float | None = None
    patience_mean_min: float | None
    mtbf_h: float | None
    close_line: str  # "serve" or "close"
    pools: dict[str, int]  # units per pool, in flow order
    identification_pool: str
    faults: list[Fault]  # the failures that apply, one per failing pool


class Waits(_Part):
    p50: float  # minutes
    p95: float
    max: float
    share_over_30: float  # of voters


class LongestLine(_Part):
    people: float  # on the average day
    at: str  # HH:MM
    worst_day_people: int


class LostVotes(_Part):
    """Per day, averaged over the days; refused voters are not lost votes."""

    left_line: float
    not_served_at_close: float
    refused_not_identified: float
    total: float
    share: float  # of arrivals
    # Refused and lost by stage and cause: refused.identify.not_identified, lost.desk.patience
    by_stage_and_cause: dict[str, float]


class Utilisation(_Part):
    pool: str
    share: float


class StandardPart(_Part):
    part: str  # "wait", "stage:<pool>", "lost_votes" or "closing"
    text: str  # what it means on this station's days


class StationStandard(_Part):
    rule: str
    days_meeting: float  # share of days
    holds: bool
    verdict: str
    failed: list[StandardPart]  # the parts of the standard that fail
    days_failing_by_part: dict[str, int]


class FewestUnits(_Part):
    pools: dict[str, int]
    reachable: bool
    unreachable: list[str]
    days_meeting_standard: float
    p95_wait_min_mean: float
    p95_wait_min_interval: list[float]  # [low, high]


class LinePoint(_Part):
    time: str  # HH:MM
    people: float


class LateDays(_Part):
    """A station that may open late: its days opening late (simulation.station.late_opening)."""

    days_late_share: float  # share of the simulated days it opened late
    delay_mean_min: float  # mean delay of those days
    arrived_before_opening_per_day: float  # people who waited at the door, a day
    left_before_opening_per_day: float  # of them, lost before it opened, a day


class Protocol(_Part):
    """The station's protocol upload over its simulated days, or counted elsewhere."""

    counted_elsewhere: bool  # [counting] counted = "elsewhere": no protocol at the station
    uploaded: str | None  # HH:MM it arrived on the median day it arrived; None: never/elsewhere
    attempts_per_day: float | None  # upload attempts a day, failed ones included
    not_uploaded_share: float | None  # share of days it did not arrive on election night


class StationAnswer(_Part):
    """One station's day: waits, line, lost votes, closing, and the standard's verdict."""

    inputs: ResolvedInputs
    days_simulated: int
    seed: int
    arrived_per_day: float
    voted_per_day: float
    wait_min: Waits
    wait_measures: str
    longest_line: LongestLine
    lost_votes_per_day: LostVotes
    identification_utilisation: Utilisation
    last_voter_left: str  # HH:MM on the median day
    notes: list[str]
    standard: StationStandard
    fewest_units: FewestUnits
    line_curve: list[LinePoint]
    opening_hours: int
    wall_s: float
    late_opening: LateDays | None = None  # only when the station may open late
    protocol: Protocol | None = None  # absent in answers older than this field

    @property
    def holds(self) -> bool:
        """Whether the scenario's standard holds at this station."""
        return self.standard.holds

    def to_json(self) -> dict[str, Any]:
        """The answer as the command's ``--json`` and the web page print it."""
        return self.model_dump(mode="json", exclude_unset=True)
