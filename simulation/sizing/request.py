"""What sizing is asked (:class:`SizingRequest`) and what one candidate set of units scored
(:class:`Evaluation`): shared by the search (``search.py``) and its explanation
(``why.py``), which would otherwise import each other.

Sizing works on the pools of any flow, by pool name: the default flow's pools are
``terminal``, ``desk`` and ``booth`` (labelled ``terminals``, ``desks``, ``booths`` in
outputs, as they always were); a ``[[flow]]`` scenario's are its own (``urna``, ``bvas``...).
Candidate hardware is :data:`Units`, a tuple of (pool, units) pairs in the flow's pool order,
hashable so that the same candidate is simulated once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from simulation.errors import InputError
from simulation.scenario.model import Scenario
from simulation.sizing.stats import mean_interval
from simulation.sizing.targets import DayFigures, Target
from simulation.station.units import DEFAULT_POOLS, Hardware

__all__ = [
    "Evaluation",
    "PoolNameError",
    "SizingRequest",
    "Units",
    "as_units",
    "day_meets",
    "hardware_of",
    "pool_labels",
    "resolved",
    "sized_pools",
    "targets_for",
    "units_dict",
    "with_count",
]

Units = tuple[tuple[str, int], ...]  # (pool, units), in the flow's pool order
_DEFAULT_LABELS = {"terminal": "terminals", "desk": "desks", "booth": "booths"}


class PoolNameError(InputError, ValueError):
    """A pool name sizing does not know; the message lists the scenario's pools."""


@dataclass(frozen=True)
class SizingRequest:
    targets: tuple[Target, ...] = ()
    confidence: float = 0.95
    replications: int = 20
    # Pools to size, by name or output label (default flow: "terminals" = "terminal");
    # empty: every pool of the scenario's flow.
    resources: tuple[str, ...] = ()
    band_voters: int = 50
    seed: int | None = None
    # Units a band cannot need less than, by representative station: a what-if that can
    # only make the day harder starts from the base answer (see simulation.sizing.sensitivity).
    floors: dict[int, Units] = field(default_factory=dict)


def pool_labels(scenario: Scenario) -> dict[str, str]:
    """Each pool's name in outputs (sizing.csv columns, totals): the default flow keeps its
    plural labels, a flow's pools keep their own names."""
    if not scenario.flow:
        return dict(_DEFAULT_LABELS)
    return {p: p for p in scenario.pool_names}


def sized_pools(scenario: Scenario, names: Iterable[str]) -> list[str]:
    """The pools ``names`` mean (pool names or labels), in the flow's order; every pool when
    ``names`` is empty. Raises :class:`PoolNameError` naming the scenario's pools."""
    labels = pool_labels(scenario)
    by_name = {**{label: pool for pool, label in labels.items()}, **{p: p for p in labels}}
    asked = [n.strip() for n in names if n.strip()]
    unknown = [n for n in asked if n not in by_name]
    if unknown:
        raise PoolNameError(
            f"unknown pool(s) {unknown}: this scenario's pools are {list(labels)}"
            + (" (or terminals, desks, booths)" if not scenario.flow else ""))
    chosen = {by_name[n] for n in asked} or set(labels)
    return [p for p in labels if p in chosen]


def units_dict(units: Units) -> dict[str, int]:
    return dict(units)


def as_units(scenario: Scenario, units: Mapping[str, int]) -> Units:
    return tuple((p, int(units[p])) for p in pool_labels(scenario) if p in units)


def hardware_of(units: Units) -> Hardware:
    """The default flow's view of ``units`` (pools it does not have count 1)."""
    d = dict(units)
    return Hardware(*(d.get(p, 1) for p in DEFAULT_POOLS))


@dataclass
class Evaluation:
    units: Units
    met_share: float
    p95_wait_min: list[float]  # each replication's p95 time in line, every stage
    lost_votes_mean: float
    last_left_after_close_min: float  # p95 over the replications
    days_failing: dict[str, int] = field(default_factory=dict)  # part -> days it failed

    @property
    def hardware(self) -> Hardware:
        return hardware_of(self.units)

    def p95_ci(self) -> tuple[float, float, float]:
        """Mean of the replications' p95 waits and its 95 % confidence interval (t quantile:
        3 to 20 replications are too few for 1.96)."""
        mean, low, high = mean_interval([float(v) for v in self.p95_wait_min])
        return mean, max(0.0, low), high


def targets_for(request: SizingRequest, pool: str) -> list[Target]:
    """The extra targets (``--target``) judged for ``pool``; the scenario's standard is
    judged for every pool whatever they are."""
    return [t for t in request.targets if t.applies_to(pool)]


def with_count(units: Units, pool: str, count: int) -> Units:
    return tuple((p, count if p == pool else n) for p, n in units)


def resolved(scenario: Scenario, request: SizingRequest) -> SizingRequest:
    """``request`` with its resources as pool names, every pool when none were named."""
    pools = tuple(sized_pools(scenario, request.resources))
    return request if pools == request.resources else replace(request, resources=pools)


def day_meets(day: DayFigures, request: SizingRequest) -> bool:
    """The standard (every part) and every sized pool's extra targets hold on ``day``
    (``request`` :func:`resolved`)."""
    return not day.standard_failed and all(
        t.holds(day.value(t.metric, p)) for p in request.resources
        for t in targets_for(request, p))
