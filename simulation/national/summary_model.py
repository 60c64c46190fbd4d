"""``summary.json`` of ``pollday simulate`` as a typed model (``docs/outputs.md`` says what
every field means; :func:`simulation.national.summary.national_summary` computes it)."""

from __future__ import annotations

from pydantic import Field

from simulation.outputs.output_model import Number, Output, Part


class WaitFigures(Part):
    mean: float
    p50: float
    p95: float
    p99: float
    max: float


class WorstStation(Part):
    station: str
    group: str
    failed: list[str] = Field(description="the parts of the standard it fails")
    p95_wait_min: float
    lost_votes: float
    last_out_after_close_min: float


class StandardRule(Part):
    wait_p95_max_min: float
    stage_wait_p95_max_min: dict[str, float]
    lost_share_max: float
    last_out_after_close_max_min: float
    days_share: float


class StationStandard(Part):
    """The scenario's standard judged at every station (simulation/standard.py)."""

    rule: StandardRule
    rule_text: str
    national_p95_wait_min: float
    holds_nationally: bool
    worst_station_p95_wait_min: float
    stations: int
    stations_meeting: int
    stations_failing: int
    failing_by_part: dict[str, int]
    holds_at_every_station: bool
    worst_stations: list[WorstStation]


class TurnoutAt(Part):
    time: str = Field(description="HH:MM local")
    cumulative_turnout: Number


class ArrivalsIn(Part):
    time: str = Field(description="HH:MM local, the hour starting then")
    arrivals: Number


class CheckinPeak(Part):
    peak: Number
    peak_time: str | None = Field(
        description="HH:MM home time; null when no one checked in all day")


class Weighted(Part):
    registered: float
    arrived: float
    voted: float
    reneged: float
    not_served_at_close: float
    refused_not_identified: float
    duplicate_attempts: float
    stations: float
    turnout: float
    wait_min: WaitFigures
    share_voters_waiting_over_30_min: float
    note: str


class LateOpening(Part):
    """Stations opening late (scenario ``late_opening``); counts are a day's, mean over
    the replications."""

    stations: Number = Field(description="stations that opened late")
    share: float = Field(description="of the simulated stations")
    delay_mean_min: float = Field(description="mean delay of the late stations, minutes")
    delay_max_min: float = Field(description="longest delay, minutes (capped at closing)")
    arrived_before_opening: Number = Field(
        description="people who came to a late station before it opened (they waited at "
        "the door)")
    left_before_opening: Number = Field(
        description="lost votes at the door: left (patience) or sent home before it opened")


class SimulationSummary(Output):
    """The national figures of a simulated day."""

    # 2: "standard" (the whole visit) replaced "wait_standard"; 3: "refused_biometric" became
    # "refused_not_identified", and "outcomes" names refusals and lost votes by stage and cause
    FORMAT = 3
    FILE = "summary.json"

    scenario: str
    seed: int
    replications: int
    stations: int
    registered: int
    arrived: Number
    voted: Number
    reneged: Number
    not_served_at_close: Number
    refused_not_identified: Number
    lost_votes: Number
    duplicate_attempts: Number
    refused_duplicates: Number
    outcomes: dict[str, Number] = Field(
        default_factory=dict, description="refused and lost votes by stage and cause, "
        "named <fate>.<stage>.<cause> (refused.identify.not_identified, lost.desk.patience; "
        "docs/outputs.md); absent in files older than this field")
    duplicates_voted: Number
    turnout: float
    wait_min: WaitFigures
    standard: StationStandard
    share_voters_waiting_over_30_min: float
    stations_failing_standard: int
    terminal_failures: Number
    repairs: Number
    replacements: Number
    turnout_by_hour: list[TurnoutAt]
    arrivals_by_hour: list[ArrivalsIn]
    checkins_per_minute: CheckinPeak
    protocols_uploaded_by_hour_after_close: list[Number]
    protocol_upload_attempts_by_hour_after_close: list[Number]
    protocols_never_uploaded: int | None = Field(
        description="stations whose protocol did not arrive on election night (never "
        "uploaded, or the retry policy gave up); null when counted elsewhere")
    protocol_upload_attempts: int | None = Field(
        default=None, description="protocol upload attempts, failed ones included (each a "
        "request in the schedule); null when counted elsewhere or in files older than this "
        "field")
    counted_elsewhere: bool = Field(
        default=False, description="ballots are counted elsewhere ([counting] counted = "
        "'elsewhere'): no station protocol, no upload")
    stations_counted_elsewhere: int = Field(
        default=0, description="stations of groups whose ballots are counted elsewhere (a "
        "group's counted = 'elsewhere', or the whole [counting]); the protocol figures are "
        "over the other stations")
    schedule_events: int
    wall_s: float
    weighted: Weighted | None
    late_opening: LateOpening | None = Field(
        default=None, description="null: no station group opens late (absent in older files)")
    warnings: list[str]
    outputs: list[str] | None = Field(
        default=None, description="the files this run wrote beside summary.json (a planning "
        "run may skip the schedule and queue curves); absent in files older than this field")
