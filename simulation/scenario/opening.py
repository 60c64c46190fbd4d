"""Scenario section for stations that open late: which share of them, and how late.

Data only, like :mod:`simulation.scenario.sections`. Written once for every group
(``[late_opening]``) or per station group (``station_groups[].late_opening``, which replaces
the default for that group). The draw is :mod:`simulation.station.late_opening`'s.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from simulation.scenario.distributions import Distribution


class LateOpening(BaseModel):
    """A share of stations opening late, each by a delay drawn from ``delay_min``.

    Voters who come before a late station opens wait at the door (their wait counts from
    their arrival); those whose patience runs out leave. Closing stays at the scheduled
    time: the day is not extended."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    share: float = Field(
        ge=0, le=1, description="share of the group's stations that open late (each drawn "
        "from its own stream: the same seed gives the same late stations)")
    delay_min: Distribution = Field(
        description="minutes after the scheduled opening at which a late station opens; "
        "delays reaching closing are cut to it (that station never opens: only the closing "
        "rule serves its line)")
