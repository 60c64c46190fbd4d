"""The scenario's [counting] section: counting at the station, uploading its protocol and
retrying failed uploads, or counting elsewhere (no station protocol).

Apart from :mod:`simulation.scenario.sections` (which re-exports it) to keep each module to
one concept; data only.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.scenario.distributions import Distribution

__all__ = ["Counting"]

Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    # As every scenario section: unknown fields are errors, inf and nan are refused.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Counting(_Model):
    """Counting at the station and uploading its protocol (docs/scenarios.md, [counting])."""

    counted: Literal["station", "elsewhere"] = Field(
        default="station", description="'station': each station counts its ballots after "
        "closing and uploads a protocol; 'elsewhere': ballots are counted centrally (days "
        "later), no station protocol and no upload requests")
    setup_min: Distribution | None = Field(
        default=None, description="minutes from the last voter out to the count starting "
        "(required when counted = 'station')")
    per_ballot_s: float | None = Field(
        default=None, ge=0, description="seconds of counting per ballot cast (required when "
        "counted = 'station')")
    upload_delay_min: Distribution | None = Field(
        default=None, description="minutes from the end of the count to the first upload "
        "attempt (required when counted = 'station')")
    upload_failure_probability: float = Field(
        default=0, ge=0, lt=1, description="chance that one upload attempt fails (each "
        "attempt independently); every attempt, failed ones included, is a request in the "
        "load-test schedule")
    upload_retry_min: float = Field(
        default=15, gt=0, description="wait after the first failed attempt before the next, "
        "minutes")
    upload_retry_backoff: float = Field(
        default=1, ge=1, le=10, description="each further wait is the previous one times "
        "this (1: a fixed interval; 2: 15, 30, 60 ... minutes)")
    upload_retry_max_min: float | None = Field(
        default=None, gt=0, description="optional cap on one wait between attempts, minutes "
        "(the backoff stops growing there)")
    upload_max_attempts: int | None = Field(
        default=None, ge=1, le=1000, description="optional: at most this many attempts; "
        "when all fail the station gives up and its protocol does not arrive on election "
        "night (default: retry until it goes through)")
    upload_give_up_after_min: float | None = Field(
        default=None, gt=0, description="optional: no attempt later than this many minutes "
        "after the first; the protocol then does not arrive on election night")
    never_upload_share: Share = Field(
        default=0, description="stations whose protocol does not arrive on election night"
    )

    def elsewhere_for(self, group_counted: str | None) -> bool:
        """Whether a group's ballots are counted elsewhere (its own ``counted``, or this)."""
        return (group_counted or self.counted) == "elsewhere"

    @model_validator(mode="after")
    def _station_count_complete(self) -> Self:
        if self.counted == "station":
            missing = [name for name in ("setup_min", "per_ballot_s", "upload_delay_min")
                       if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"counting: {', '.join(missing)} required when counted = 'station' (the "
                    "station counts its ballots and uploads a protocol); set them, or set "
                    "counted = 'elsewhere' if ballots are counted centrally")
        if (self.upload_retry_max_min is not None
                and self.upload_retry_max_min < self.upload_retry_min):
            raise ValueError(
                f"counting: upload_retry_max_min = {self.upload_retry_max_min:g} is below "
                f"upload_retry_min = {self.upload_retry_min:g}; the cap must be at least the "
                "first wait (raise it, or lower upload_retry_min)")
        return self
