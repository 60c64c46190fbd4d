"""The headline and exit code of a capacity search, from its levels (no HTTP)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from loadtests.thresholds import parse_threshold
from pollday import CapacityConfig
from pollday.capacity.command import verdict_lines
from pollday.capacity.cpus import CpuSplit
from pollday.capacity.judge import level_rule
from pollday.capacity.output import (
    SearchContext,
    _exit_code,
    capacity_multiple,
    headline,
    target_label,
    write_outputs,
)
from pollday.capacity.plan import LevelPlan
from pollday.capacity.record import level_record, not_run_record
from pollday.capacity.search import SearchResult
from pollday.capacity.window import LevelLoad
from pollday.harness.failure import RunFailure
from pollday.models.capacity import (
    CapacityLevel,
    CapacityOutput,
    LevelVerdict,
    NationalPeak,
    Side,
    Window,
)
from pollday.report.capacity import capacity_section
from pollday.report.run_folder import read_run_folder
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[2]

AUTO = SearchContext(
    national_peak=NationalPeak(checkins_per_min=26670.4, span_min=60, starts_s=28800.0),
    window=Window(label="08:00-09:00", auto=True, start_s=28800.0, end_s=32400.0,
                  checkins_per_min=26670.4),
    target="the embedded reference service (SQLite, CPU 0)")


def result(levels: list[tuple[float, LevelVerdict, list[str]]], **kw: Any) -> SearchResult:
    found = SearchResult(levels=[CapacityLevel(index=i, multiple=m, verdict=v, failing=f)
                                 for i, (m, v, f) in enumerate(levels, 1)], **kw)
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
    line = headline(bound, replace(AUTO, generator_processes=2), None)
    assert line.endswith(": 3200x needs about 4 Locust processes (2 held 1600x): add "
                         "--load-workers 4, or start 'pollday worker' on other machines and "
                         "pass --expect-workers 4 (docs/generators.md)"), line
    # Just above what held: still one process more, never the same count.
    close = result([(1000.0, "held", []), (1050.0, "generator-bound", [])], held=1000.0,
                   generator_bound=[1050.0])
    assert "about 3 Locust processes (2 held 1000x)" in headline(
        close, replace(AUTO, generator_processes=2), None)


def test_not_measured_headlines_say_why_and_claim_nothing_beyond() -> None:
    why = "at 8x a level needs 40 passes of the window (0.2 s each) and the stations have " \
          "fresh voters for 22"
    above = result([(4.0, "held", []), (8.0, "not-measured", [])], held=4.0,
                   not_measured=[8.0])
    above.levels[1].not_measured = why
    assert above.outcome == "not-measured"
    assert headline(above, AUTO, None) == (
        "holds at least 4x the national peak of 26,670 check-ins per minute, i.e. 1,778 "
        f"check-ins/s, on the embedded reference service (SQLite, CPU 0); not measured "
        f"above: {why}")
    assert _exit_code(above, None, []) == 3  # no capacity.* threshold shown met
    low = result([(1.0, "not-measured", [])], too_low=[1.0])
    low.levels[0].not_measured = "too few check-ins"
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


def _plan(multiple: float, not_measured: str | None = None,
          side: Side | None = None) -> LevelPlan:
    load = LevelLoad(multiple, np.arange(4, dtype=np.int64), 0.5, 10.0)
    return LevelPlan(load, passes=1, pass_s=30.0, main_requests=6000,
                     not_measured=not_measured, side=side)


def _loadtest(p95_ms: float) -> dict[str, Any]:
    endpoint = {"figure": "checkin", "requests": 6000, "error_rate": 0.0, "p50_ms": 20.0,
                "p95_ms": p95_ms, "p95_ms_intended": p95_ms + 5}
    generator = {"workers": 1, "scheduled_jobs": 6000, "first_send_s": 0.0,
                 "last_answer_s": 30.0, "lag_p99_ms": 5.0}
    return {"endpoints": {"POST /v1/checkins": endpoint}, "generator": generator}


def test_levels_are_typed_from_the_record_to_the_file_and_the_report(tmp_path: Path) -> None:
    """A level is a CapacityLevel from level_record to capacity.json and back; the file
    holds what was given (``side`` only on a level not run, ``connections`` only on one
    that ran) and the report's table shows the levels that ran."""
    thresholds = [parse_threshold("checkin.p95_ms < 300")]
    rule = level_rule(thresholds)
    audit = {"level": "full", "lost_checkins": 0}
    held = level_record(_plan(2.0), 1, tmp_path / "1", _loadtest(100.0), audit, thresholds,
                        rule, 10.0)
    held.connections = 200
    failed = level_record(_plan(4.0), 2, tmp_path / "2", _loadtest(900.0), audit, thresholds,
                          rule, 10.0)
    too_high = not_run_record(_plan(8.0, "no fresh voters", "high"), 3, tmp_path / "3", rule,
                              10.0)
    assert (held.verdict, failed.verdict, too_high.verdict) == ("held", "failed",
                                                                 "not-measured")
    assert failed.failing == ["checkin.p95_ms < 300"]
    assert failed.endpoints["checkin"].p95_ms == 900.0 and held.generator.lag_p99_ms == 5.0
    found = SearchResult(levels=[held, failed, too_high], held=2.0, failed=4.0,
                         not_measured=[8.0])
    scenario = load_scenario(ROOT / "scenarios" / "smoke.toml")
    config = CapacityConfig(ROOT / "scenarios" / "smoke.toml", tmp_path, secret="s",
                            host="http://127.0.0.1:9")
    context = replace(AUTO, rule=rule.as_model(), stations=4)
    code, doc = write_outputs(config, scenario, thresholds, context, found, None, 1.0)
    assert code == 0 and "generator_processes" not in doc  # the headline's, not the file's
    assert doc["stations"] == 4 and doc["window"]["label"] == "08:00-09:00"
    raw = json.loads((tmp_path / "capacity.json").read_text())
    assert raw == doc
    assert "side" not in raw["levels"][0] and raw["levels"][0]["connections"] == 200
    assert raw["levels"][2]["side"] == "high" and "connections" not in raw["levels"][2]
    assert raw["levels"][2]["generator"] == {} and raw["levels"][2]["audit"] == {}
    assert raw["levels"][0]["not_measured"] is None  # given: null, as before the model
    back = CapacityOutput.read(tmp_path / "capacity.json")
    assert back.levels == [held, failed, too_high] and back.as_json() == doc
    assert back.rule == rule.as_model()
    html = (tmp_path / "report.html").read_text()
    assert "no fresh voters" not in html  # a level not run has no row
    assert html.count("<td>held</td>") == 1 and "<td>failed</td><td>checkin.p95_ms" in html


def test_a_capacity_json_older_than_the_model_shows_its_headline(tmp_path: Path) -> None:
    (tmp_path / "capacity.json").write_text(json.dumps(
        {"headline": "holds 2x", "capacity": {"multiple": 2.0}, "levels": [{"x": 1}]}))
    section = capacity_section(read_run_folder(tmp_path))
    assert section is not None and section.context["headline"] == "holds 2x"
    assert section.context["levels"] == [] and section.context["doc"] is None
