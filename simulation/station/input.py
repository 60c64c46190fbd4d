"""Everything one station's day needs, drawn up front: the engine only replays it.

Keeping the draws apart from the SimPy engine lets tests hand the engine exact,
hand-written inputs (deterministic event logs), and lets a sizing search re-run the same
voters through different hardware (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from simulation.station.flow_input import FlowInput, PoolFaults

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class Status(IntEnum):
    """How a person's visit to the station ended."""

    VOTED = 0
    RENEGED = 1  # left the line: patience ran out (a lost vote)
    NOT_SERVED = 2  # still in line at closing under a "close the line" rule (a lost vote)
    REFUSED_BIOMETRIC = 3  # every scan failed and the fallback is to refuse (a lost vote)
    REFUSED_DUPLICATE = 4  # already voted elsewhere: caught at the terminal
    DUPLICATE_VOTED = 5  # already voted elsewhere, not caught locally (offline): found at sync


@dataclass(frozen=True)
class StationInput:
    """One station-day. Per-person arrays are indexed by arrival order (sorted times).

    Times are seconds since this station's opening. ``checkin_s`` is the whole time a
    person holds a terminal when the central service answers normally: scan attempts, the
    manual fallback and the online call with its timeouts and retries. ``call_s`` is the
    online-call part of it, skipped (and the check-in buffered) during an outage.
    """

    arrival_s: FloatArray
    duplicate: BoolArray
    biometric_ok: BoolArray  # False: every attempt failed and the fallback is "refuse"
    scan_s: FloatArray
    call_s: FloatArray
    call_ok: BoolArray  # False: every call attempt timed out; the check-in is buffered
    ballot_s: FloatArray
    booth_s: FloatArray
    patience_s: FloatArray  # np.inf: never leaves the line
    terminals: int
    desks: int
    booths: int
    close_s: float
    serve_queue_at_close: bool = True
    # Late opening: every unit is shut until then; people who come earlier wait at the door
    # (at most close_s: a station that would open later never opens).
    opens_s: float = 0.0
    online: bool = True
    outages_s: list[tuple[float, float]] = field(default_factory=list)
    buffer_flush_s: float = 300.0  # buffered check-ins are synced at multiples of this
    # Per terminal: alternating up-times and repair times, drawn until well past closing.
    up_s: list[list[float]] = field(default_factory=list)
    repair_s: list[list[float]] = field(default_factory=list)
    count_setup_s: float = 0.0
    count_per_ballot_s: float = 0.0
    upload_delay_s: float = 0.0
    # None: the default flow (terminal -> desk -> booth) over terminals, desks, booths.
    flow: FlowInput | None = None
    # Failures of any pool; up_s/repair_s above are the terminals' (pool 0), kept for the
    # default flow and hand-written tests.
    faults: list[PoolFaults] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.arrival_s)
        for name in (
            "duplicate",
            "biometric_ok",
            "scan_s",
            "call_s",
            "call_ok",
            "ballot_s",
            "booth_s",
            "patience_s",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"StationInput.{name} has {len(getattr(self, name))} entries for {n} arrivals"
                )
        if n and np.any(np.diff(self.arrival_s) < 0):
            raise ValueError("StationInput.arrival_s must be sorted")
        if not 0 <= self.opens_s <= self.close_s:
            raise ValueError(
                f"StationInput.opens_s {self.opens_s} must lie in [0, close_s {self.close_s}]"
            )

    @property
    def size(self) -> int:
        return len(self.arrival_s)

    def in_outage(self, t_s: float) -> float | None:
        """End of the outage covering ``t_s``, or None when the link is up."""
        for start, end in self.outages_s:
            if start <= t_s < end:
                return end
        return None


@dataclass
class StationOutcome:
    """What happened to each person (arrays by arrival order) and to the station."""

    status: IntArray
    start_s: FloatArray  # first reached a terminal (nan: never)
    left_line_s: FloatArray  # left the line without service (renege / closing), else nan
    checkin_end_s: FloatArray  # left the terminal (nan: never reached one)
    call_at_s: FloatArray  # online call sent (nan: none: offline, outage, refused)
    buffered_until_s: FloatArray  # synced later at this time (nan: confirmed online or none)
    exit_s: FloatArray  # left the station after casting the ballot (nan: did not vote)
    desk_start_s: FloatArray  # reached a ballot desk (nan: never)
    booth_start_s: FloatArray  # reached a booth (nan: never)
    requeue_segments: list[tuple[float, float]]  # extra time in line after a terminal failure
    terminal_busy_s: float  # of the identification stage's pool
    terminal_failures: int  # of the identification stage's pool
    terminal_down_s: float
    last_exit_s: float
    count_start_s: float
    protocol_at_s: float
    log: list[tuple[float, str, int]] | None = None
    stage_start_s: list[FloatArray] = field(default_factory=list)  # per stage, per person
    stage_end_s: list[FloatArray] = field(default_factory=list)
    repairs: int = 0  # failures fixed on the spot, every pool
    replacements: int = 0  # failed units replaced, every pool
