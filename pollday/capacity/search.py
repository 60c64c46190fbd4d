"""The search for the breaking point: a ramp of rising multiples, then bisection.

Pure logic: the level runner is a callable, so the tests drive it with a known breaking
point. A level is ``held`` (every threshold met), ``failed`` (a threshold on the target
failed, or it answered well below the offered rate), ``generator-bound`` (the generator's
own figures failed: the level says nothing about the target) or ``not-measured`` (too few
requests or too short to judge, with ``side`` "low" when its rate is too low for that and
"high" when too high). A generator-bound or high not-measured level ends the ramp and is the
highest multiple this search can judge: the search bisects below it, and the capacity is
bracketed only by a level the target failed; when every level below such a one holds, the
answer is "at least ...". A low not-measured level is stepped over upwards: it says nothing,
and a higher multiple sends more requests in the same time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pollday.models.capacity import CapacityLevel, LevelVerdict

HELD: LevelVerdict = "held"
FAILED: LevelVerdict = "failed"
GENERATOR_BOUND: LevelVerdict = "generator-bound"
NOT_MEASURED: LevelVerdict = "not-measured"  # could not send enough, long enough (plan.py)
MAX_DOWN_STEPS = 8  # below the start: at most start / factor**8


@dataclass(frozen=True)
class SearchSettings:
    start_multiple: float = 1.0
    ramp_factor: float = 2.0
    max_multiple: float = 64.0
    precision: float = 0.05  # stop when (failed - held) / held <= precision

    def problems(self) -> list[str]:
        out = []
        if not self.start_multiple > 0:
            out.append(f"--start-multiple {self.start_multiple:g} must be positive")
        if not self.ramp_factor > 1:
            out.append(f"--ramp-factor {self.ramp_factor:g} must be above 1")
        if not self.max_multiple >= self.start_multiple:
            out.append(f"--max-multiple {self.max_multiple:g} must be at least "
                       f"--start-multiple {self.start_multiple:g}")
        if not 0 < self.precision < 1:
            out.append(f"--precision {self.precision:g} must be in (0, 1), e.g. 0.05 for 5 %")
        return out


@dataclass
class SearchResult:
    levels: list[CapacityLevel] = field(default_factory=list)  # in the order run
    held: float | None = None  # highest multiple that held
    failed: float | None = None  # lowest multiple where the target failed (above ``held``)
    generator_bound: list[float] = field(default_factory=list)  # every such level
    not_measured: list[float] = field(default_factory=list)  # too high a rate to judge
    too_low: list[float] = field(default_factory=list)  # too low a rate to judge
    reached_max: bool = False

    @property
    def not_measured_at(self) -> float | None:
        """The lowest not-measured (high) multiple above what held (any, when nothing held)."""
        above = [m for m in self.not_measured if self.held is None or m > self.held]
        return min(above) if above else None

    @property
    def generator_bound_at(self) -> float | None:
        """The lowest generator-bound multiple above what held (any, when nothing held)."""
        above = [m for m in self.generator_bound if self.held is None or m > self.held]
        return min(above) if above else None

    def upper(self) -> float | None:
        """The lowest multiple above ``held`` that did not hold (failed or generator-bound)."""
        candidates = [m for m in (self.failed, self.generator_bound_at, self.not_measured_at)
                      if m is not None]
        return min(candidates) if candidates else None

    @property
    def outcome(self) -> str:
        """``bracketed``, ``generator-bound``, ``not-measured``, ``above-max`` or
        ``below-min``."""
        upper = self.upper()
        if upper is not None and upper != self.failed:
            # The lowest level above ``held`` says nothing about the target.
            return GENERATOR_BOUND if upper == self.generator_bound_at else NOT_MEASURED
        if self.held is None and self.failed is None:
            return NOT_MEASURED  # nothing could be judged (every level too low a rate)
        if self.held is None:
            return "below-min"
        if self.failed is None:
            return "above-max"
        return "bracketed"


TOO_LOW = "too-low"  # the search's own word for a low not-measured level

RunLevel = Callable[[float], CapacityLevel]  # multiple -> the level, judged


def _run(run_level: RunLevel, multiple: float, result: SearchResult) -> str:
    record = run_level(multiple)
    result.levels.append(record)
    verdict: str = record.verdict
    if verdict == GENERATOR_BOUND:
        result.generator_bound.append(multiple)
    elif verdict == NOT_MEASURED:
        (result.too_low if record.side == "low" else result.not_measured).append(multiple)
        if record.side == "low":
            return TOO_LOW
    elif verdict == HELD:
        result.held = multiple if result.held is None else max(result.held, multiple)
    else:
        result.failed = multiple if result.failed is None else min(result.failed, multiple)
    return verdict


def _round(multiple: float) -> float:
    """Multiples to 4 significant digits: readable, and the same in every run."""
    return float(f"{multiple:.4g}")


def search(run_level: RunLevel, settings: SearchSettings,
           result: SearchResult | None = None) -> SearchResult:
    """Run the levels into ``result`` (a new one by default): filled as it goes, so a caller
    whose level raised still has the levels before it."""
    result = SearchResult() if result is None else result
    m = settings.start_multiple
    verdict = _run(run_level, m, result)
    # Ramp up while it holds (or is too low a rate to judge); or down while it fails (a
    # start above the capacity).
    while verdict in (HELD, TOO_LOW) and m < settings.max_multiple:
        m = _round(min(m * settings.ramp_factor, settings.max_multiple))
        verdict = _run(run_level, m, result)
    steps = 0
    # A first level that did not hold: ramp down until one holds, never down to multiples
    # too low to judge.
    floor = max(result.too_low, default=0.0)
    while (verdict not in (HELD, TOO_LOW) and result.held is None and steps < MAX_DOWN_STEPS
           and m / settings.ramp_factor > floor):
        m = _round(m / settings.ramp_factor)
        verdict = _run(run_level, m, result)
        steps += 1
    if result.held is not None and result.upper() is None and verdict == HELD:
        result.reached_max = True
    # Bisect (geometrically: the precision is relative) between what held and the lowest
    # level above it that did not: a target failure, or the generator's limit.
    while result.held is not None:
        upper = result.upper()
        if upper is None or (upper - result.held) / result.held <= settings.precision:
            break
        mid = _round(math.sqrt(result.held * upper))
        if mid in (result.held, upper):
            break
        _run(run_level, mid, result)
    return result
