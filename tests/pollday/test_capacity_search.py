"""The search: ramp, bisection to the precision, and what stops it (exact, no HTTP)."""

from __future__ import annotations

import pytest

from pollday.capacity.search import (
    FAILED,
    GENERATOR_BOUND,
    HELD,
    NOT_MEASURED,
    SearchSettings,
    search,
)
from pollday.models.capacity import CapacityLevel, LevelVerdict, Side


def level(multiple: float, verdict: LevelVerdict, side: Side | None = None,
          not_measured: str | None = None) -> CapacityLevel:
    """A level as the search sees it: its multiple and verdict (``side``, ``not_measured``:
    why a not-measured one says nothing)."""
    return CapacityLevel(index=1, multiple=multiple, verdict=verdict, side=side,
                         not_measured=not_measured)


def target(capacity: float, generator_limit: float = float("inf")):  # type: ignore[no-untyped-def]
    tried: list[float] = []

    def run(multiple: float) -> CapacityLevel:
        tried.append(multiple)
        if multiple > generator_limit:
            verdict = GENERATOR_BOUND
        else:
            verdict = HELD if multiple <= capacity else FAILED
        return level(multiple, verdict)

    return run, tried


def test_ramp_then_bisect_to_the_precision() -> None:
    run, tried = target(3.7)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried[:3] == [1.0, 2.0, 4.0]
    assert found.outcome == "bracketed"
    assert found.held is not None and found.failed is not None
    assert found.held <= 3.7 < found.failed
    assert (found.failed - found.held) / found.held <= 0.05
    # Geometric midpoints, 4 significant digits, until 3.83 / 3.668 - 1 <= 5 %.
    assert tried == [1.0, 2.0, 4.0, 2.828, 3.363, 3.668, 3.83]


def test_a_start_above_the_capacity_ramps_down_first() -> None:
    run, tried = target(0.3)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.1))
    assert tried[:3] == [1.0, 0.5, 0.25]
    assert found.outcome == "bracketed" and found.held is not None and found.held <= 0.3


def test_max_multiple_reached() -> None:
    run, tried = target(100.0)
    found = search(run, SearchSettings(1.0, 3.0, 20.0, 0.05))
    assert tried == [1.0, 3.0, 9.0, 20.0]
    assert found.outcome == "above-max" and found.held == 20.0 and found.failed is None


def test_generator_bound_ends_the_ramp_and_is_never_a_capacity() -> None:
    """The generator cannot judge 8x: bisect below it; every level it can judge holds, so
    the answer is "at least 4.968x (generator-bound at 5.188x)", never a bracket."""
    run, tried = target(50.0, generator_limit=5.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried == [1.0, 2.0, 4.0, 8.0, 5.657, 4.757, 5.188, 4.968]
    assert found.outcome == GENERATOR_BOUND and found.generator_bound_at == 5.188
    assert found.held == 4.968 and found.failed is None
    assert found.generator_bound == [8.0, 5.657, 5.188]


def test_a_target_failure_below_the_generator_limit_brackets_the_capacity() -> None:
    """Generator-bound at 8x, but the target fails at 5.657x with the generator within its
    limits: that is a bracket of the target's capacity."""
    run, tried = target(5.0, generator_limit=7.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried == [1.0, 2.0, 4.0, 8.0, 5.657, 4.757, 5.188, 4.968]
    assert found.outcome == "bracketed" and (found.held, found.failed) == (4.968, 5.188)
    assert found.generator_bound_at == 8.0


def test_a_generator_bound_start_ramps_down() -> None:
    run, tried = target(50.0, generator_limit=0.3)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried[:3] == [1.0, 0.5, 0.25]
    assert found.outcome == GENERATOR_BOUND and found.held is not None
    assert found.held <= 0.3 < found.generator_bound_at  # type: ignore[operator]


def test_below_the_lowest_multiple_tried() -> None:
    run, tried = target(0.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert len(tried) == 9 and found.outcome == "below-min" and found.held is None


def test_settings_problems_name_the_option() -> None:
    problems = SearchSettings(0.0, 1.0, -1.0, 1.5).problems()
    assert [p.split()[0] for p in problems] == [
        "--start-multiple", "--ramp-factor", "--max-multiple", "--precision"]


def test_levels_before_a_failing_one_are_kept() -> None:
    from pollday.capacity.search import SearchResult

    run, tried = target(10.0)

    def breaks_at_third(multiple: float) -> CapacityLevel:
        if len(tried) == 2:
            raise RuntimeError("the target went away")
        return run(multiple)

    found = SearchResult()
    with pytest.raises(RuntimeError):
        search(breaks_at_third, SearchSettings(1.0, 2.0, 64.0, 0.05), found)
    assert [lvl.multiple for lvl in found.levels] == [1.0, 2.0] and found.held == 2.0


def measurable(capacity: float, low: float, high: float):  # type: ignore[no-untyped-def]
    """A target of ``capacity`` whose levels can be judged only in (low, high]."""
    tried: list[float] = []

    def run(multiple: float) -> CapacityLevel:
        tried.append(multiple)
        if multiple <= low:
            return level(multiple, NOT_MEASURED, "low", "too few check-ins")
        if multiple > high:
            return level(multiple, NOT_MEASURED, "high", "no fresh voters")
        return level(multiple, HELD if multiple <= capacity else FAILED)

    return run, tried


def test_levels_too_low_to_judge_are_stepped_over_upwards() -> None:
    run, tried = measurable(capacity=10.0, low=2.0, high=1000.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried[:3] == [1.0, 2.0, 4.0]
    assert found.too_low == [1.0, 2.0] and found.outcome == "bracketed"
    assert found.held is not None and found.held <= 10.0 < found.failed  # type: ignore[operator]


def test_a_level_not_measurable_above_is_never_claimed() -> None:
    """The target holds everything, but above 5x no level can be judged: the answer is "at
    least" the highest judged level, bisected up to where judging stops, never beyond."""
    run, tried = measurable(capacity=1e9, low=0.0, high=5.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried[:4] == [1.0, 2.0, 4.0, 8.0]
    assert found.outcome == NOT_MEASURED and found.failed is None
    assert found.held is not None and found.held <= 5.0 < found.not_measured_at  # type: ignore[operator]
    assert all(m <= 8.0 for m in tried)  # nothing tried past the first unmeasurable level


def test_a_failure_above_the_lowest_measurable_level_does_not_ramp_down_into_it() -> None:
    run, tried = measurable(capacity=1.0, low=4.0, high=1000.0)
    found = search(run, SearchSettings(1.0, 2.0, 64.0, 0.05))
    assert tried == [1.0, 2.0, 4.0, 8.0]  # 8x fails; 4x was too low to judge: stop
    assert found.outcome == "below-min" and found.held is None and found.failed == 8.0


def test_nothing_measurable_is_not_measured() -> None:
    run, tried = measurable(capacity=1e9, low=1e9, high=1e9)
    found = search(run, SearchSettings(1.0, 2.0, 8.0, 0.05))
    assert tried == [1.0, 2.0, 4.0, 8.0]
    assert found.outcome == NOT_MEASURED and found.held is None
