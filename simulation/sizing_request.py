"""What sizing is asked (:class:`SizingRequest`) and what one candidate hardware scored
(:class:`Evaluation`): shared by the search (``sizing.py``) and its explanation
(``sizing_why.py``), which would otherwise import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulation.plan import Hardware
from simulation.standard import WAIT_STANDARD_MIN
from simulation.stats import mean_interval
from simulation.targets import RESOURCES, WAIT_METRICS, Target

__all__ = ["Evaluation", "SizingRequest", "targets_for", "with_count"]

_DEFAULT_WAIT = Target("p95_wait_min", "<=", WAIT_STANDARD_MIN)


@dataclass(frozen=True)
class SizingRequest:
    targets: tuple[Target, ...]
    confidence: float = 0.95
    replications: int = 20
    resources: tuple[str, ...] = RESOURCES
    band_voters: int = 50
    seed: int | None = None
    # Hardware a band cannot need less than, by representative station: a what-if that can
    # only make the day harder starts from the base answer (see simulation.sensitivity).
    floors: dict[int, Hardware] = field(default_factory=dict)


@dataclass
class Evaluation:
    hardware: Hardware
    met_share: float
    p95_wait_min: list[float]  # terminals' p95 wait of each replication
    lost_votes_mean: float
    last_left_after_close_min: float

    def p95_ci(self) -> tuple[float, float, float]:
        """Mean of the replications' p95 waits and its 95 % confidence interval (t quantile:
        3 to 20 replications are too few for 1.96)."""
        mean, low, high = mean_interval([float(v) for v in self.p95_wait_min])
        return mean, max(0.0, low), high


def targets_for(request: SizingRequest, resource: str) -> list[Target]:
    chosen = [t for t in request.targets if t.applies_to(resource)]
    if resource != "terminals" and not any(t.metric in WAIT_METRICS for t in chosen):
        chosen.append(_DEFAULT_WAIT)  # desks and booths need a wait standard of their own
    return chosen


def with_count(hw: Hardware, resource: str, count: int) -> Hardware:
    return Hardware(**{**hw.__dict__, resource: count})
