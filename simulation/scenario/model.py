"""The scenario schema: what a TOML scenario file may say, validated in one pass.

Data only: nothing here simulates. Every model forbids unknown fields so a typo is an error,
not a silently ignored setting. Times of day are local to the station (stations abroad open
at their own local opening time).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from simulation.scenario.flow import (
    DeviceFaults,
    Modality,
    PoolName,
    Stage,
    VoterGroup,
    check_flow,
    check_groups,
)
from simulation.scenario.opening import LateOpening
from simulation.scenario.replay_scale import DEFAULT_COMPRESS, DEFAULT_STATION_SHARE
from simulation.scenario.rules import RuleSyntaxError, split_threshold

# The sections live in their own module; re-exported so ``simulation.scenario.model`` stays the one
# import for every scenario model. Imported at runtime (not under TYPE_CHECKING): pydantic
# resolves Scenario's annotations from this module's namespace.
from simulation.scenario.sections import (
    Arrivals,
    Biometrics,
    Candidate,
    Central,
    Closing,
    Counting,
    Election,
    Failures,
    Interval,
    Outage,
    Share,
    Spares,
    Standard,
    StationGroup,
    TimeZone,
    Voting,
    _Model,
    minutes_of_day,
)
from simulation.scenario.timezones import disagreement, resolve_time_zones

__all__ = [
    "CHECK_FIGURE",
    "Arrivals",
    "Biometrics",
    "Candidate",
    "Central",
    "Closing",
    "Costs",
    "Counting",
    "DeviceFaults",
    "Election",
    "Failures",
    "Interval",
    "LateOpening",
    "LoadTest",
    "Modality",
    "Outage",
    "PoolName",
    "Reference",
    "Scenario",
    "Share",
    "Spares",
    "Stage",
    "Standard",
    "StationGroup",
    "ThresholdRule",
    "TimeZone",
    "TurnoutPoint",
    "VoterGroup",
    "Voting",
    "minutes_of_day",
]


# Validation context key: a callable that raises ValueError(reason) unless a threshold may
# name the figure. The figure catalogue is the load tests' (loadtests.thresholds), which this
# layer does not import: pollday's scenario loader passes it (pollday.scenario.file).
CHECK_FIGURE = "check_figure"


def _check_threshold(rule: str, info: ValidationInfo) -> str:
    try:
        figure = split_threshold(rule).name
    except RuleSyntaxError as error:  # the file's error shows the rule already: say it once
        raise ValueError(error.reason) from None
    check = (info.context or {}).get(CHECK_FIGURE)
    if check is not None:
        check(figure)
    return rule


ThresholdRule = Annotated[str, AfterValidator(_check_threshold)]


class Costs(_Model):
    """Unit prices of hardware, for sizing reports."""

    currency: str = Field(default="", max_length=12, description="currency of the prices, "
                          "as printed (e.g. EUR), up to 12 characters")
    terminal: float = Field(default=0, ge=0, description="price of one identification "
                            "terminal, 0 or more (default 0)")
    desk: float = Field(default=0, ge=0, description="price of one ballot desk, 0 or more "
                        "(default 0)")
    booth: float = Field(default=0, ge=0, description="price of one voting booth, 0 or more "
                         "(default 0)")
    pools: dict[PoolName, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="a [[flow]]'s pools: price of one unit by pool name")

    def price(self, pool: str) -> float:
        """One unit of ``pool``: its ``pools`` price, else the default flow's field."""
        if pool in self.pools:
            return float(self.pools[pool])
        return float(getattr(self, pool, 0.0)) if pool in ("terminal", "desk", "booth") else 0.0


class LoadTest(_Model):
    """How ``pollday run`` replays the simulated day against the target."""

    # The bounds are simulation.scenario.replay_scale's rule, here for the JSON Schema.
    compress: float = Field(default=DEFAULT_COMPRESS, gt=0,
                            description="60: an 11-hour day in 11 minutes")
    station_share: float = Field(default=DEFAULT_STATION_SHARE, gt=0, le=1,
                                 description="share of stations replayed, above 0 up to 1 "
                                 "(default 1); --station-share replaces it")
    results_rps: float = Field(default=2, ge=0, description="peak public results reads/s")
    webcam_rps: float = Field(default=1, ge=0, description="webcam viewers' requests per "
                              "second, 0 or more (default 1)")
    adapter: str = Field(default="", description="module:Class mapping events to requests")
    replay_until_h_after_close: float = Field(
        default=8, ge=0, le=96,
        description="replay events up to this long after closing (late protocols are cut)",
    )


class TurnoutPoint(_Model):
    time: dt.time = Field(description="local time of day (HH:MM, quoted) of the published "
                          "figure")
    turnout: Share = Field(description="published turnout at that time, a share of "
                           "registered voters from 0 to 1")


class Reference(_Model):
    """Published figures to compare the simulated day against (reports, calibration)."""

    intraday_turnout: list[TurnoutPoint] = Field(
        default_factory=list, description="{ time, turnout } points published during the day")
    source: str = Field(default="", description="where the figures come from (text)")


class Scenario(_Model):
    election: Election = Field(description="the election: date, polling hours, seed, "
                               "candidates")
    arrivals: Arrivals = Field(description="how many voters come and when")
    station_groups: list[StationGroup] = Field(
        min_length=1, description="[[station_groups]]: stations alike in size and hardware, "
        "at least one group")
    biometrics: Biometrics = Field(description="identifying a voter: scans, attempts, the "
                                   "fallback")
    voter_groups: list[VoterGroup] = Field(
        default_factory=list, description="optional [[voter_groups]]: voters whose readers "
        "behave differently")
    flow: list[Stage] = Field(
        default_factory=list, description="default: terminal -> desk -> booth"
    )
    failures: Failures = Field(default=Failures(), description="optional: failures of the "
                               "identification terminals (default: none)")
    device_faults: list[DeviceFaults] = Field(
        default_factory=list, description="optional [[device_faults]]: failures of another "
        "pool's units")
    spares: Spares = Field(default=Spares(), description="optional: reserves of spare units "
                           "(read by pollday spares)")
    central: Central = Field(description="the central service a check-in calls: latency, "
                             "timeout, retries, outages")
    voting: Voting = Field(description="ballot desk, booth and the voters' patience")
    closing: Closing = Field(default=Closing(), description="optional: what happens to the "
                             "line at closing")
    late_opening: LateOpening | None = Field(
        default=None, description="stations opening late, for every station group without "
        "its own late_opening",
    )
    standard: Standard = Field(default=Standard(), description="optional: when a station "
                               "meets the standard (waits, lost votes, closing)")
    counting: Counting = Field(description="counting the ballots and uploading the protocol "
                               "(or counted elsewhere)")
    reference: Reference = Field(default=Reference(), description="optional: published "
                                 "figures to compare the simulated day against")
    costs: Costs | None = Field(default=None, description="optional: unit prices for the "
                                "sizing report (without it: hardware counts only)")
    loadtest: LoadTest = Field(default=LoadTest(), description="optional: how pollday run "
                               "replays the day against the target")
    thresholds: list[ThresholdRule] = Field(
        default_factory=list, description="k6-style rules, e.g. 'checkin.p95_ms < 300'"
    )

    @model_validator(mode="before")
    @classmethod
    def _time_zones(cls, data: Any) -> Any:
        return resolve_time_zones(data)

    @model_validator(mode="after")
    def _check(self) -> Self:
        names = [g.name for g in self.station_groups]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"station group names must be unique; repeated: {duplicates}")
        for k, outage in enumerate(self.central.outages):
            if outage.group is not None and outage.group not in names:
                raise ValueError(
                    f"central.outages[{k}].group: {outage.group!r} is not a station group "
                    f"(groups: {names})"
                )
        for k, g in enumerate(self.station_groups):
            if g.constituencies is not None and g.constituencies[1] > self.election.constituencies:
                raise ValueError(
                    f"station_groups[{k}].constituencies: names constituency "
                    f"{g.constituencies[1]}, but the election has {self.election.constituencies}"
                )
        self._check_times()
        self._check_time_zones()
        self._check_flow()
        return self

    def _check_flow(self) -> None:
        modalities = [m.name for m in self.biometrics.chain]
        check_groups(self.voter_groups, modalities)
        pools = self.pool_names
        if self.flow:
            check_flow(self.flow, self.voter_groups, modalities)
            for k, g in enumerate(self.station_groups):
                missing = [p for p in pools if p not in g.pools]
                if missing:
                    raise ValueError(
                        f"station_groups[{k}].pools: no count for {missing} "
                        f"(the flow uses pools {pools})"
                    )
                # A line before a pool with no units never moves: voters would be stuck.
                empty = [p for p in pools if g.pools[p] == 0]
                if empty:
                    raise ValueError(
                        f"station_groups[{k}].pools: {empty} have 0 units but the flow "
                        "uses them; give each at least 1 or take the stage out of the flow"
                    )
        stages = [s.name for s in self.flow] or ["identify", "desk", "booth"]
        unknown = [s for s in self.standard.stage_wait_p95_max_min if s not in stages]
        if unknown:
            raise ValueError(f"standard.stage_wait_p95_max_min: {unknown} are not stages "
                             f"of the flow {stages}")
        for k, f in enumerate(self.device_faults):
            if f.pool not in pools:
                raise ValueError(f"device_faults[{k}].pool: {f.pool!r} is not a pool {pools}")

    @property
    def pool_names(self) -> list[str]:
        """The station's pools in order of first use by the flow."""
        if not self.flow:
            return ["terminal", "desk", "booth"]
        return list(dict.fromkeys(stage.pool for stage in self.flow))

    def _check_time_zones(self) -> None:
        day, election = self.election.date, self.election
        sections = [("election", election.time_zone, election.utc_offset_h)] + [
            (f"station_groups[{k}]", g.time_zone, g.utc_offset_h)
            for k, g in enumerate(self.station_groups)
        ]
        for path, zone, given_h in sections:
            if zone is not None and given_h is not None:
                problem = disagreement(path, zone, given_h, day)
                if problem:
                    raise ValueError(problem)

    def _check_times(self) -> None:
        opening, closing = self.election.opening, self.election.closing
        for k, interval in enumerate(self.arrivals.intervals):
            if interval.start < opening or interval.end > closing:
                raise ValueError(
                    f"arrivals.intervals[{k}]: {interval.start:%H:%M}-{interval.end:%H:%M} "
                    f"lies outside polling hours {opening:%H:%M}-{closing:%H:%M}"
                )
        for k, outage in enumerate(self.central.outages):
            if outage.start < opening:
                raise ValueError(
                    f"central.outages[{k}].start: {outage.start:%H:%M} is before opening "
                    f"({opening:%H:%M})"
                )

    @property
    def group_names(self) -> list[str]:
        return [g.name for g in self.station_groups]
