"""The scenario's station devices: identifying voters ([biometrics]), terminal failures
([failures]) and the reserves of spare units ([spares]).

Apart from :mod:`simulation.scenario.sections` (which re-exports them) to keep each module
to one concept; data only. Every model forbids unknown fields so a typo is an error.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.scenario.distributions import Distribution
from simulation.scenario.flow import Modality

__all__ = ["Biometrics", "Failures", "Spares"]

Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    # As every scenario section: unknown fields are errors, inf and nan are refused.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Biometrics(_Model):
    scan_time_s: Distribution | None = Field(
        default=None, description="seconds of one scan attempt (with success_probability and "
        "max_attempts; or give modalities)")
    success_probability: float | None = Field(
        default=None, ge=0, le=1, description="per attempt; 0: the readers never recognise anyone"
    )
    max_attempts: int | None = Field(default=None, ge=1, le=20, description="scan attempts "
                                     "before the fallback, 1 to 20")
    modalities: list[Modality] = Field(
        default_factory=list, description="a chain tried in order (instead of scan_time_s...)"
    )
    fallback: Literal["manual", "refuse"] = Field(
        description="when every attempt fails: 'manual' (checked by hand, manual_time_s) or "
        "'refuse' (the voter is sent away, counted as refused)")
    manual_time_s: Distribution | None = Field(
        default=None, description="seconds of a manual identity check; required with "
        "fallback = 'manual'")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.fallback == "manual" and self.manual_time_s is None:
            raise ValueError("fallback 'manual' needs manual_time_s (time of the manual check)")
        trio = (self.scan_time_s, self.success_probability, self.max_attempts)
        if self.modalities and any(v is not None for v in trio):
            raise ValueError(
                "give either modalities or scan_time_s/success_probability/max_attempts"
            )
        if not self.modalities and any(v is None for v in trio):
            raise ValueError(
                "give scan_time_s, success_probability and max_attempts (or modalities)"
            )
        names = [m.name for m in self.modalities]
        if len(set(names)) != len(names):
            raise ValueError(f"modality names must be unique ({names})")
        return self

    @property
    def chain(self) -> list[Modality]:
        """The modalities tried in order; the one-scan form is a chain of one."""
        if self.modalities:
            return self.modalities
        assert self.scan_time_s is not None and self.success_probability is not None
        assert self.max_attempts is not None
        return [
            Modality(
                name="fingerprint",
                time_per_attempt_s=self.scan_time_s,
                success_probability=self.success_probability,
                max_attempts=self.max_attempts,
            )
        ]


class Failures(_Model):
    mtbf_h: float | None = Field(default=None, gt=0, description="None: terminals never fail")
    repair_time_min: Distribution | None = Field(
        default=None, description="minutes to repair a failed terminal on the spot; required "
        "with mtbf_h unless repair_probability = 0")
    repair_probability: Share = Field(default=1, description="else the terminal is replaced")
    replacement_time_min: Distribution | None = Field(
        default=None, description="minutes until a spare replaces a failed terminal (its "
        "delivery from the reserve); required when repair_probability < 1")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.mtbf_h is not None and self.repair_time_min is None
                and self.repair_probability > 0):
            raise ValueError("mtbf_h needs repair_time_min (how long a repair takes), unless "
                             "repair_probability = 0 (every failed terminal is replaced)")
        if self.repair_probability < 1 and self.replacement_time_min is None:
            raise ValueError(
                f"repair_probability {self.repair_probability} < 1 needs replacement_time_min"
            )
        return self


class Spares(_Model):
    """Reserves of spare units (``pollday spares``; docs/spares.md). A replacement takes a
    spare from its station's reserve (``replacement_time_min`` is its delivery); once the
    reserve is empty, a replacement takes ``missing_delivery_min`` instead."""

    confidence: float = Field(
        default=0.95, gt=0, lt=1,
        description="share of days on which a reserve's spares must cover its replacements",
    )
    missing_delivery_min: Distribution | None = Field(
        default=None,
        description="time to bring a unit when the reserve is empty; none: the unit stays "
        "out until polls close",
    )
