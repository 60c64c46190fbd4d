"""A station's flow, as the engine sees it: pools of units and the stages people walk.

A stage takes a unit from a named pool (waiting FIFO in that pool's line), holds it for
the person's drawn service time and releases it, or keeps it into the person's later
stages on the same pool (Brazil's urna identifies the voter, then records the vote).
Each person walks one route: an ordered subset of the stages, chosen when the day is drawn
(by voter group and by the outcome of identification). Exactly one stage is the
identification: its time is the scan time (:class:`StationInput`). At most one stage calls
the central service (by default the identification stage; another stage after it, or none):
its time gains the call, and only people whose route passes it make the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class StageInput:
    name: str
    pool: int  # index into FlowInput.pools
    service_s: FloatArray  # per person; unused for the identification stage
    keep_unit: bool = False  # keep the unit into this person's later stages on the pool
    reneging: bool = False  # people may give up while waiting in this stage's line
    identification: bool = False
    central_call: bool = False  # this stage calls the central service (see FlowInput)


@dataclass(frozen=True)
class PoolFaults:
    """One pool's failures: per unit, alternating up-times and times out of service."""

    pool: int
    up_s: list[list[float]]
    down_s: list[list[float]]
    replaced: list[list[bool]] = field(default_factory=list)  # per failure; empty: repairs


@dataclass(frozen=True)
class FlowInput:
    pools: list[tuple[str, int]]  # (name, units)
    stages: list[StageInput]
    routes: list[tuple[int, ...]]  # stage indices, in order
    route: IntArray  # per person: index into routes
    # With no stage marked central_call the identification stage calls, unless this is set.
    no_central_call: bool = False

    @property
    def identification_stage(self) -> int:
        return next(k for k, s in enumerate(self.stages) if s.identification)

    @property
    def call_stage(self) -> int | None:
        """The stage that calls the central service; None: nobody calls."""
        marked = [k for k, s in enumerate(self.stages) if s.central_call]
        if marked:
            return marked[0]
        return None if self.no_central_call else self.identification_stage


def call_stage_of(flow: FlowInput | None) -> int | None:
    """The calling stage of a station's flow (None: the default flow, whose identification
    stage 0 calls)."""
    return 0 if flow is None else flow.call_stage


def default_flow(
    terminals: int, desks: int, booths: int, ballot_s: FloatArray, booth_s: FloatArray
) -> FlowInput:
    """Today's pipeline: biometric terminal (with reneging) -> ballot desk -> booth."""
    n = len(ballot_s)
    return FlowInput(
        pools=[("terminal", terminals), ("desk", desks), ("booth", booths)],
        stages=[
            StageInput("identify", 0, np.zeros(0), reneging=True, identification=True),
            StageInput("desk", 1, ballot_s),
            StageInput("booth", 2, booth_s),
        ],
        routes=[(0, 1, 2)],
        route=np.zeros(n, dtype=np.int64),
    )
