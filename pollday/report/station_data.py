"""Per-station figures grouped for the report: lost votes by group, the effect of failures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pollday.report.run_folder import FloatArray, StationColumns
from simulation.national.summary import WAIT_STANDARD_MIN

LOST_KINDS = {
    "reneged": "left the line (patience ran out)",
    "not_served_at_close": "still in line at closing, not served",
    "refused_not_identified": "refused at identification (not recognised, not on the roll)",
}
LOST_SHORT = {
    "reneged": "left the line",
    "not_served_at_close": "not served at closing",
    "refused_not_identified": "refused at identification",
}


@dataclass(frozen=True)
class GroupRow:
    name: str
    stations: int
    registered: int
    arrived: int
    voted: int
    lost: dict[str, int]  # LOST_KINDS -> people
    p95_wait_median_min: float  # median over the group's stations of their p95 wait
    stations_over_standard: int  # stations whose p95 wait exceeds 30 minutes

    @property
    def lost_total(self) -> int:
        return sum(self.lost.values())

    @property
    def lost_per_1000(self) -> float:
        return 1000 * self.lost_total / self.arrived if self.arrived else 0.0


def group_rows(s: StationColumns, order: list[str]) -> list[GroupRow]:
    """One row per station group, in scenario order (groups without stations left out)."""
    groups = np.array(s.group)
    p95 = s.float_("wait_p95_min")
    rows = []
    for name in order:
        mine = groups == name
        if not mine.any():
            continue
        rows.append(
            GroupRow(
                name=name,
                stations=int(mine.sum()),
                registered=int(s.int_("registered")[mine].sum()),
                arrived=int(s.int_("arrived")[mine].sum()),
                voted=int(s.int_("voted")[mine].sum()),
                lost={k: int(s.int_(k)[mine].sum()) for k in LOST_KINDS},
                p95_wait_median_min=float(np.median(p95[mine])),
                stations_over_standard=int((p95[mine] > WAIT_STANDARD_MIN).sum()),
            )
        )
    return rows


@dataclass(frozen=True)
class FailureBucket:
    label: str  # "0", "1", "2", "3+" terminal failures in the day
    p95_wait_min: FloatArray  # each station's p95 wait
    lost_per_1000: float
    utilisation_mean: float

    @property
    def stations(self) -> int:
        return len(self.p95_wait_min)

    @property
    def median_min(self) -> float:
        return float(np.median(self.p95_wait_min)) if self.stations else 0.0

    @property
    def share_over_standard(self) -> float:
        return float(np.mean(self.p95_wait_min > WAIT_STANDARD_MIN)) if self.stations else 0.0


def failure_buckets(s: StationColumns, *, top: int = 3) -> list[FailureBucket]:
    """Stations by how many terminal failures they had: 0, 1, ..., ``top``+ (empty ones dropped)."""
    failures = np.minimum(s.int_("terminal_failures"), top)
    p95 = s.float_("wait_p95_min")
    lost = np.sum([s.int_(k) for k in LOST_KINDS], axis=0)
    arrived = s.int_("arrived")
    out = []
    for n in range(top + 1):
        mine = failures == n
        if not mine.any():
            continue
        came = int(arrived[mine].sum())
        out.append(
            FailureBucket(
                label=f"{n}+" if n == top else str(n),
                p95_wait_min=p95[mine],
                lost_per_1000=1000 * int(lost[mine].sum()) / came if came else 0.0,
                utilisation_mean=float(s.float_("terminal_utilisation")[mine].mean()),
            )
        )
    return out
