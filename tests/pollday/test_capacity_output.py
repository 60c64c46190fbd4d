"""The headline and exit code of a capacity search, from its levels (no HTTP)."""

from __future__ import annotations

from typing import Any

from pollday.capacity.command import verdict_lines
from pollday.capacity.cpus import CpuSplit
from pollday.capacity.output import _exit_code, capacity_multiple, headline, target_label
from pollday.capacity.search import SearchResult
from pollday.harness.failure import RunFailure

AUTO = {"national_peak": {"checkins_per_min": 26670.4},
        "window": {"auto": True, "label": "08:00-09:00", "checkins_per_min": 26670.4},
        "target": "the embedded reference service (SQLite, CPU 0)"}


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
        "holds 5.657x (5.657-6.727x) the national peak of 26,670 check-ins per minute, i.e. "
        "2,515 check-ins/s, on the embedded reference service (SQLite, CPU 0); "
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
        "generator-bound at 1x before any level held on the embedded reference service "
        "(SQLite, CPU 0): 1x needs about 2 Locust processes (1 held no level: double them "
        "first): add --load-workers 2, or start 'pollday worker' on other machines and pass "
        "--expect-workers 2 (docs/generators.md)")
    assert capacity_multiple(bound) is None


def test_a_generator_bound_answer_scales_the_processes_that_held() -> None:
    # Two processes held 1,600x; 3,200x was generator-bound: four are needed (2 x 2).
    bound = result([(1600.0, "held", []),
                    (3200.0, "generator-bound", ["generator.lag_p99_ms < 20"])],
                   held=1600.0, generator_bound=[3200.0])
    line = headline(bound, {**AUTO, "generator_processes": 2}, None)
    assert line.endswith(": 3200x needs about 4 Locust processes (2 held 1600x): add "
                         "--load-workers 4, or start 'pollday worker' on other machines and "
                         "pass --expect-workers 4 (docs/generators.md)"), line
    # Just above what held: still one process more, never the same count.
    close = result([(1000.0, "held", []), (1050.0, "generator-bound", [])], held=1000.0,
                   generator_bound=[1050.0])
    assert "about 3 Locust processes (2 held 1000x)" in headline(
        close, {**AUTO, "generator_processes": 2}, None)


def test_not_measured_headlines_say_why_and_claim_nothing_beyond() -> None:
    why = "at 8x a level needs 40 passes of the window (0.2 s each) and the stations have " \
          "fresh voters for 22"
    above = result([(4.0, "held", []), (8.0, "not-measured", [])], held=4.0,
                   not_measured=[8.0])
    above.levels[1]["not_measured"] = why
    assert above.outcome == "not-measured"
    assert headline(above, AUTO, None) == (
        "holds at least 4x the national peak of 26,670 check-ins per minute, i.e. 1,778 "
        f"check-ins/s, on the embedded reference service (SQLite, CPU 0); not measured "
        f"above: {why}")
    assert _exit_code(above, None, []) == 3  # no capacity.* threshold shown met
    low = result([(1.0, "not-measured", [])], too_low=[1.0])
    low.levels[0]["not_measured"] = "too few check-ins"
    assert headline(low, AUTO, None) == (
        "not measured on the embedded reference service (SQLite, CPU 0): too few check-ins")


def test_the_target_is_named() -> None:
    assert target_label("http://127.0.0.1:8000", None, CpuSplit(), 2) == "http://127.0.0.1:8000"
    assert target_label(None, "postgresql://u@h/db", CpuSplit(frozenset({0, 1})), 4) == (
        "the embedded reference service (PostgreSQL, CPUs 0,1)")
    assert target_label(None, None, CpuSplit(), 2) == (
        "the embedded reference service (SQLite, 2 CPUs shared with the generator)")


def test_quiet_still_prints_the_verdict_and_every_failed_threshold() -> None:
    doc = {"verdict": "failed", "headline": "holds 2x ...",
           "thresholds": [{"rule": "capacity.multiple >= 3", "value": 2.0, "verdict": "failed"},
                          {"rule": "capacity.multiple >= 1", "value": 2.0, "verdict": "met"}]}
    assert verdict_lines(doc, 1) == ["pollday capacity: failed (exit 1): holds 2x ...",
                                     "  failed: capacity.multiple >= 3 (measured 2.0)"]
