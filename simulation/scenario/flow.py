"""Scenario sections for any election's station: flows, modalities, voter groups, faults.

All optional: a scenario without them runs today's terminal -> desk -> booth flow with one
biometric modality, identical voters and terminal failures only (:mod:`simulation.scenario.model`).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.scenario.distributions import Distribution

Share = Annotated[float, Field(ge=0, le=1)]
PoolName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
MANUAL = "manual"  # the identification outcome of a voter checked by hand


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Modality(_Model):
    """One way of identifying a voter, tried up to ``max_attempts`` times."""

    name: PoolName = Field(description="fingerprint, face, iris, id_search...")
    time_per_attempt_s: Distribution = Field(description="seconds of one attempt")
    success_probability: Share = Field(description="per attempt, for voters of no group")
    max_attempts: int = Field(ge=1, le=20, description="attempts before the next modality "
                              "(or the fallback, after the last), 1 to 20")


class VoterGroup(_Model):
    """A share of voters whose readers behave differently (worn fingerprints...)."""

    name: PoolName = Field(description="the group's name (letters, digits, _ and -), "
                           "unique; a stage's groups name it")
    share: Share = Field(description="share of voters in the group, from 0 to 1; the groups' "
                         "shares sum to at most 1 (the rest belong to no group)")
    success_probability: dict[str, Share] = Field(
        default_factory=dict, description="per modality name: per-attempt success"
    )


class Stage(_Model):
    """One step of a voter's visit: a unit of ``pool`` held for a time."""

    name: PoolName = Field(description="the stage's name (letters, digits, _ and -), in "
                           "per-voter outputs and standard.stage_wait_p95_max_min")
    pool: PoolName = Field(description="the pool whose unit the stage takes; every station "
                           "group gives its count in pools")
    kind: Literal["identification", "service"] = Field(
        default="service", description="service (default; takes time_s) or identification "
        "(exactly one stage: its time is the modality chain and the central call)")
    time_s: Distribution | None = Field(default=None, description="service stages only")
    keep_unit: bool = Field(
        default=False, description="keep the unit into this voter's later stages on the pool"
    )
    reneging: bool = Field(default=False, description="voters may give up waiting here")
    groups: list[PoolName] | None = Field(
        default=None, description="only voters of these voter groups (default: everyone)"
    )
    outcome: list[PoolName] | None = Field(
        default=None,
        description="only voters whose identification ended at these modalities or 'manual'",
    )
    central_call: bool | None = Field(
        default=None,
        description="true: this stage (at or after identification) calls the central "
        "service, and only voters whose route passes it make the call; false on the "
        "identification stage with no stage true: nobody calls. Default: the identification "
        "stage calls")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.kind == "service" and self.time_s is None:
            raise ValueError(f"stage {self.name!r}: a service stage needs time_s")
        if self.kind == "identification" and self.time_s is not None:
            raise ValueError(
                f"stage {self.name!r}: an identification stage takes its time from "
                "biometrics (modalities, manual_time_s, the central call); drop time_s"
            )
        if self.kind == "identification" and (self.groups or self.outcome):
            raise ValueError(f"stage {self.name!r}: every voter is identified; no groups/outcome")
        return self


class DeviceFaults(_Model):
    """Failures of one pool's units: repaired on the spot, or replaced."""

    pool: PoolName = Field(description="the pool whose units fail (a pool of the flow)")
    mtbf_h: float = Field(gt=0, description="mean hours between failures of one unit while "
                          "polls are open; above 0")
    repair_probability: Share = Field(default=1, description="else the unit is replaced")
    repair_time_min: Distribution | None = Field(
        default=None, description="minutes to repair a unit on the spot; needed unless "
        "repair_probability = 0")
    replacement_time_min: Distribution | None = Field(
        default=None, description="minutes until a spare replaces a failed unit (its delivery "
        "from the reserve); needed when repair_probability < 1")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.repair_probability > 0 and self.repair_time_min is None:
            raise ValueError(
                f"device_faults for {self.pool!r}: repair_probability "
                f"{self.repair_probability} > 0 needs repair_time_min (how long a repair "
                "takes); with repair_probability = 0 every failed unit is replaced")
        if self.repair_probability < 1 and self.replacement_time_min is None:
            raise ValueError(
                f"device_faults for {self.pool!r}: repair_probability "
                f"{self.repair_probability} < 1 needs replacement_time_min"
            )
        return self


def check_flow(flow: list[Stage], groups: list[VoterGroup], modalities: list[str]) -> None:
    """Whole-scenario rules of a flow (raises ValueError with the stage's position)."""
    ids = [k for k, s in enumerate(flow) if s.kind == "identification"]
    if len(ids) != 1:
        raise ValueError(f"flow: exactly one stage must be kind = 'identification' (found {ids})")
    group_names = {g.name for g in groups}
    outcomes = {*modalities, MANUAL}
    for k, stage in enumerate(flow):
        for g in stage.groups or []:
            if g not in group_names:
                raise ValueError(
                    f"flow[{k}].groups: {g!r} is not a voter group {sorted(group_names)}"
                )
        for o in stage.outcome or []:
            if o not in outcomes:
                raise ValueError(f"flow[{k}].outcome: {o!r} is not one of {sorted(outcomes)}")
        if stage.outcome and k < ids[0]:
            raise ValueError(f"flow[{k}].outcome: the stage comes before identification")
        if stage.central_call and k < ids[0]:
            raise ValueError(
                f"flow[{k}].central_call: the stage comes before identification; the central "
                "service confirms an identified voter: mark a stage at or after it")
        if stage.central_call is False and k != ids[0]:
            raise ValueError(
                f"flow[{k}].central_call = false: only the identification stage calls by "
                "default; drop the key here (set it false on the identification stage for "
                "no call at all)")
        if stage.keep_unit:
            after = flow[k + 1] if k + 1 < len(flow) else None
            # Holding one pool's unit while waiting for another's can deadlock a station.
            if after is None or after.pool != stage.pool or after.groups or after.outcome:
                raise ValueError(
                    f"flow[{k}].keep_unit: the next stage must use the same pool "
                    f"({stage.pool!r}) for every voter, so the unit is never held while "
                    "waiting for another pool"
                )
    calling = [k for k, s in enumerate(flow) if s.central_call]
    if len(calling) > 1:
        raise ValueError(
            f"flow: central_call = true on stages {calling}; one stage calls the central "
            "service: keep it on one")


def call_stage(flow: list[Stage]) -> int | None:
    """The flow's stage that calls the central service (None: nobody calls)."""
    marked = [k for k, s in enumerate(flow) if s.central_call]
    if marked:
        return marked[0]
    ident = next(k for k, s in enumerate(flow) if s.kind == "identification")
    return None if flow[ident].central_call is False else ident


def check_groups(groups: list[VoterGroup], modalities: list[str]) -> None:
    total = sum(g.share for g in groups)
    if groups and total > 1 + 1e-6:
        raise ValueError(f"voter_groups: shares sum to {total:.4f}, more than 1")
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise ValueError(f"voter_groups: names must be unique ({names})")
    for k, g in enumerate(groups):
        for m in g.success_probability:
            if m not in modalities:
                raise ValueError(
                    f"voter_groups[{k}].success_probability: {m!r} is not a modality {modalities}"
                )
