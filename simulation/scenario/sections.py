"""The scenario's sections: election, arrivals, station groups, the central service, voting,
closing and the standard; biometrics, failures and spares (:mod:`simulation.scenario.devices`)
and counting (:mod:`simulation.scenario.counting`) are re-exported from here.

Data only, like :mod:`simulation.scenario.model` (which assembles them into the whole
:class:`~simulation.scenario.model.Scenario` and re-exports every name here). Every model forbids
unknown fields so a typo is an error, not a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from simulation.scenario.counting import Counting as Counting  # re-exported
from simulation.scenario.devices import Biometrics as Biometrics  # re-exported
from simulation.scenario.devices import Failures as Failures
from simulation.scenario.devices import Spares as Spares
from simulation.scenario.distributions import Distribution
from simulation.scenario.flow import PoolName
from simulation.scenario.opening import LateOpening
from simulation.scenario.timezones import check_zone

Share = Annotated[float, Field(ge=0, le=1)]
TimeZone = Annotated[str, AfterValidator(check_zone)]
_SHARE_TOLERANCE = 1e-4


def minutes_of_day(t: dt.time) -> float:
    return t.hour * 60 + t.minute + t.second / 60


class _Model(BaseModel):
    # TOML accepts inf and nan as floats; no scenario number means either, and they would
    # only surface later as a crash inside the run.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Candidate(_Model):
    name: str = Field(min_length=1, description="the candidate's (or list's) name, not empty")
    share: Share = Field(description="expected share of the valid votes, from 0 to 1; the "
                         "candidates' shares sum to 1")


class Election(_Model):
    name: str = Field(min_length=1, description="the election's name, shown in reports")
    date: dt.date = Field(description="election day, e.g. 2024-02-07 (a TOML date, unquoted)")
    opening: dt.time = Field(description="when polls open, local time of day (HH:MM, "
                             "quoted), the same local time in every time zone")
    closing: dt.time = Field(description="when polls close, local time of day (HH:MM, "
                             "quoted); after opening")
    utc_offset_h: float = Field(
        ge=-12, le=14, description="UTC offset of the home country (or give time_zone)"
    )
    time_zone: TimeZone | None = Field(
        default=None, description="IANA name, e.g. 'Asia/Baku': sets utc_offset_h for the date"
    )
    locale: str = Field(default="en_US", description="Faker locale of the voter register")
    seed: int = Field(ge=0, description="root seed, 0 or more: draws the station roster "
                      "and, unless --seed replaces it, every station's day")
    replications: int = Field(default=1, ge=1, le=1000, description="independent days to "
                              "simulate, 1 to 1000 (default 1)")
    constituencies: int = Field(default=1, ge=1, description="number of constituencies, 1 or "
                                "more (default 1); station groups spread over a range of them")
    candidates: list[Candidate] = Field(min_length=1, description="[[election.candidates]]: "
                                        "at least one; their shares sum to 1")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.closing <= self.opening:
            raise ValueError(
                f"closing ({self.closing:%H:%M}) must be after opening ({self.opening:%H:%M})"
            )
        total = sum(c.share for c in self.candidates)
        if abs(total - 1) > 1e-3:
            raise ValueError(f"candidate shares must sum to 1 (they sum to {total:.4f})")
        return self

    @property
    def day_s(self) -> float:
        """Length of the polling day in seconds."""
        return (minutes_of_day(self.closing) - minutes_of_day(self.opening)) * 60


class _TimeSpan(_Model):
    """A span of the day: ``start`` before ``end``."""

    start: dt.time = Field(description="start, local time of day (HH:MM, quoted)")
    end: dt.time = Field(description="end, local time of day (HH:MM, quoted); after start")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:%H:%M}) must be after start ({self.start:%H:%M})")
        return self


class Interval(_TimeSpan):
    share: Share = Field(description="share of the day's voters (opening queue apart) who "
                         "arrive in this interval, from 0 to 1; the intervals' shares sum to 1")


class Arrivals(_Model):
    turnout: float = Field(gt=0, le=1, description="expected share of registered voters voting")
    turnout_sd: float = Field(default=0, ge=0, description="station-to-station spread")
    queue_at_opening_share: float = Field(
        default=0, ge=0, lt=1, description="share of the day's voters already in line at "
        "opening, from 0 up to (not including) 1 (default 0)")
    duplicate_share: float = Field(
        default=0, ge=0, lt=0.5, description="share of arrivals who already voted elsewhere "
        "(a double-voting attempt), from 0 up to (not including) 0.5 (default 0)")
    intervals: list[Interval] = Field(
        min_length=1, description="{ start, end, share } in time order, inside polling hours, "
        "without overlap; the day's voters arrive at random (Poisson) within each")

    @model_validator(mode="after")
    def _check(self) -> Self:
        total = sum(i.share for i in self.intervals)
        if abs(total - 1) > _SHARE_TOLERANCE:
            raise ValueError(f"interval shares must sum to 1 (they sum to {total:.6f})")
        for before, after in zip(self.intervals, self.intervals[1:], strict=False):
            if after.start < before.end:
                raise ValueError(
                    f"intervals must be in time order without overlap "
                    f"({before.start:%H:%M}-{before.end:%H:%M} then {after.start:%H:%M})"
                )
        variance_limit = self.turnout * (1 - self.turnout)
        if self.turnout_sd > 0 and self.turnout_sd**2 >= variance_limit:
            raise ValueError(
                f"turnout_sd {self.turnout_sd} is too large for turnout {self.turnout}: "
                f"it must be below {variance_limit**0.5:.4f}"
            )
        return self


class StationGroup(_Model):
    name: str = Field(min_length=1, description="the group's name, unique among groups")
    count: int = Field(ge=1, description="number of stations in the group")
    registered: Distribution = Field(
        description="registered voters per station, drawn once per station from the "
        "election's seed")
    registered_min: int = Field(ge=1, description="smallest legal station size, voters (1 or "
                                "more); draws below it are redrawn, then clipped")
    registered_max: int = Field(ge=1, description="largest legal station size, voters; at "
                                "least registered_min; draws above it are redrawn, then clipped")
    terminals: int = Field(default=1, ge=1, le=100, description="identification terminals "
                           "per station (default flow), 1 to 100 (default 1)")
    desks: int = Field(default=1, ge=1, le=100, description="ballot desks per station "
                       "(default flow), 1 to 100 (default 1)")
    booths: int = Field(default=1, ge=1, le=200, description="voting booths per station "
                        "(default flow), 1 to 200 (default 1)")
    pools: dict[PoolName, Annotated[int, Field(ge=0, le=500)]] = Field(
        default_factory=dict, description="units per pool named in the scenario's flow"
    )
    weight: float = Field(
        default=1, gt=0, description="real stations each simulated station stands for"
    )
    connectivity: Literal["online", "offline"] = Field(
        default="online", description="online: every check-in calls the central service; "
        "offline: check-ins are kept and synced in batches (default online)")
    sync_interval_min: float = Field(default=15, gt=0, le=24 * 60, description="offline "
                                     "stations: minutes between batch syncs, above 0, at most "
                                     "a day (default 15)")
    sync_phase: Literal["random", "opening"] = Field(
        default="random", description="random: each station's sync clock has its own phase"
    )
    sync_jitter_s: float = Field(default=0, ge=0, description="each sync up to this much late")
    final_sync: Literal["last_checkin", "with_protocol"] = Field(
        default="last_checkin",
        description="the last batch: when the last voter checked in, or just before the "
        "protocol (a device with no network during the day, read at a transmission point)",
    )
    utc_offset_h: float | None = Field(default=None, ge=-12, le=14, description="the "
                                       "group's UTC offset in hours, -12 to 14 (default: the "
                                       "election's; stations abroad)")
    time_zone: TimeZone | None = Field(default=None, description="IANA name; sets utc_offset_h")
    constituencies: tuple[int, int] | None = Field(
        default=None, description="[first, last] constituencies the group's stations are "
        "spread over, within the election's count (default: all)")
    reserve: str | None = Field(
        default=None, min_length=1,
        description="the reserve of spares its replacements draw from (default: the group's "
        "name); groups naming the same reserve share it",
    )
    late_opening: LateOpening | None = Field(
        default=None, description="a share of this group's stations opening late, and how "
        "late (replaces the scenario's [late_opening] for this group)",
    )
    counted: Literal["elsewhere"] | None = Field(
        default=None, description="'elsewhere': this group's ballots are counted centrally "
        "(e.g. stations abroad): no station protocol, no upload requests (default: "
        "[counting] counted)",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.registered_min > self.registered_max:
            raise ValueError(
                f"registered_min ({self.registered_min}) must not exceed "
                f"registered_max ({self.registered_max})"
            )
        if self.constituencies is not None and self.constituencies[0] > self.constituencies[1]:
            raise ValueError(f"constituencies range {list(self.constituencies)} is reversed")
        return self


class Outage(_TimeSpan):
    share: float = Field(default=1, gt=0, le=1, description="share of stations affected")
    group: str | None = Field(default=None, description="the station group affected "
                              "(default: every group's online stations)")


class Central(_Model):
    latency_s: Distribution = Field(description="seconds one call to the central service "
                                    "takes (a check-in's identity check)")
    timeout_s: float = Field(gt=0, description="seconds a terminal waits for an answer before "
                             "it gives up on that attempt; above 0")
    retries: int = Field(default=0, ge=0, le=10, description="further attempts after a "
                         "timeout, 0 to 10 (default 0); the terminal is held meanwhile")
    buffer_flush_min: float = Field(default=5, gt=0, description="a check-in whose every "
                                    "attempt timed out is buffered and synced at the next "
                                    "boundary of this many minutes (default 5)")
    outages: list[Outage] = Field(default_factory=list, description="{ start, end, share, "
                                  "group }: spans when the central service is unreachable")


class Voting(_Model):
    ballot_time_s: Distribution = Field(description="seconds at the ballot desk (register "
                                        "signed, ballot handed over)")
    booth_time_s: Distribution = Field(description="seconds in the booth, marking and casting "
                                       "the ballot")
    patience_min: Distribution | None = Field(
        default=None, description="minutes a voter waits in line before leaving (a lost "
        "vote); omit and nobody leaves")


class Closing(_Model):
    serve_queue: bool = Field(default=True, description="true: voters already in line at "
                              "closing still vote; false: they are sent home (lost votes)")


class Standard(_Model):
    """When a station meets the standard, for the whole visit (docs/model.md, "The standard").

    One definition judged by the calculator, simulate, size and run alike. The defaults and
    their sources are in the field descriptions."""

    wait_p95_max_min: float = Field(
        default=30, gt=0, description="p95 of each voter's total time in line, every stage, "
        "minutes (PCEA 2014: no voter should wait more than 30 minutes)")
    stage_wait_p95_max_min: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="optional: stage name -> p95 of the wait in that "
        "stage's line, minutes (default flow stages: identify, desk, booth)")
    lost_share_max: float = Field(
        default=0.005, ge=0, lt=1, description="lost votes (left the line, sent home at "
        "closing) over arrivals in the long run; voters refused as not recognised are apart. "
        "A day fails when it loses more than a station at exactly this share would on "
        "days_share of its days (Poisson). 0.5 %: below the 0.6 % that long lines cost the "
        "2012 US election (Stewart & Ansolabehere 2015)")
    last_out_after_close_max_min: float = Field(
        default=30, ge=0, description="the last voter out at most this long after closing, "
        "minutes (the wait standard for a voter who joins the line at closing)")
    days_share: float = Field(
        default=0.95, gt=0, le=1, description="share of simulated days on which every part "
        "must hold")
