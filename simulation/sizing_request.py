"""What sizing is asked (:class:`SizingRequest`) and what one candidate hardware scored
(:class:`Evaluation`): shared by the search (``sizing.py``) and its explanation
(``sizing_why.py``), which would otherwise import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulation.plan import Hardware
from simulation.stats import mean_interval
from simulation.targets import RESOURCES, DayFigures, Target

__all__ = ["Evaluation", "SizingRequest", "day_meets", "targets_for", "with_count"]

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
    p95_wait_min: list[float]  # each replication's p95 time in line, every stage
    lost_votes_mean: float
    last_left_after_close_min: float  # p95 over the replications
    days_failing: dict[str, int] = field(default_factory=dict)  # part -> days it failed

    def p95_ci(self) -> tuple[float, float, float]:
        """Mean of the replications' p95 waits and its 95 % confidence interval (t quantile:
        3 to 20 replications are too few for 1.96)."""
        mean, low, high = mean_interval([float(v) for v in self.p95_wait_min])
        return mean, max(0.0, low), high


def targets_for(request: SizingRequest, resource: str) -> list[Target]:
    """The extra targets (``--target``) judged for ``resource``; the scenario's standard
    is judged for every resource whatever they are."""
    return [t for t in request.targets if t.applies_to(resource)]


def with_count(hw: Hardware, resource: str, count: int) -> Hardware:
    return Hardware(**{**hw.__dict__, resource: count})


def day_meets(day: DayFigures, request: SizingRequest) -> bool:
    """The standard (every part) and every sized resource's extra targets hold on ``day``."""
    return not day.standard_failed and all(
        t.holds(day.value(t.metric, r)) for r in request.resources
        for t in targets_for(request, r))
