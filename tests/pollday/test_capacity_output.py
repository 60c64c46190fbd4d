"""The headline and exit code of a capacity search, from its levels (no HTTP)."""

from __future__ import annotations

from typing import Any

from pollday.capacity_output import _exit_code, capacity_multiple, headline
from pollday.capacity_search import SearchResult
from pollday.run_pipeline import RunFailure

AUTO = {"national_peak": {"checkins_per_min": 26670.4},
        "window": {"auto": True, "label": "08:00-09:00", "checkins_per_min": 26670.4}}


def result(levels: list[tuple[float, str, list[str]]], **kw: Any) -> SearchResult:
    found = SearchResult(levels=[{"multiple": m, "verdict": v, "failing": f}
                                 for m, v, f in levels], **kw)
    return found


def test_bracketed_headline_names_the_first_threshold_to_break() -> None:
    found = result([(4.0, "held", []), (8.0, "failed", ["checkin.p95_ms < 300"]),
                    (5.657, "held", []), (6.727, "failed", ["checkin.p95_ms < 300",
                                                            "audit.lost_checkins == 0"])],
                   held=5.657, failed=6.727)
    assert headline(found, AUTO, None) == (
        "holds 5.657x (5.657-6.727x) the national peak of 26,670 check-ins per minute; "
        "first to break: checkin.p95_ms < 300, audit.lost_checkins == 0 at 6.727x")
    assert capacity_multiple(found) == 5.657


def test_exit_codes() -> None:
    met = [{"verdict": "met"}]
    failed = [{"verdict": "failed"}]
    bracketed = result([], held=2.0, failed=2.1)
    assert _exit_code(bracketed, None, met) == 0
    assert _exit_code(bracketed, None, failed) == 1
    assert _exit_code(bracketed, RunFailure(3, "unreachable"), met) == 3
    bound = result([], held=2.0, generator_bound=[4.0])
    assert _exit_code(bound, None, []) == 3  # the generator was measured, not the target
    assert _exit_code(bound, None, met) == 0  # ...but the margin asked for was shown
    assert _exit_code(bound, None, failed) == 3


def test_below_min_and_generator_bound_headlines() -> None:
    low = result([(1.0, "failed", ["checkin.error_rate < 0.01"])], failed=1.0)
    assert headline(low, AUTO, None).startswith(
        "breaks already at 1x the national peak of 26,670 check-ins per minute")
    assert capacity_multiple(low) == 0.0
    bound = result([(1.0, "generator-bound", ["generator.lag_p99_ms < 100"])],
                   generator_bound=[1.0])
    assert headline(bound, AUTO, None) == (
        "generator-bound at 1x before any level held: add --workers")
    assert capacity_multiple(bound) is None
