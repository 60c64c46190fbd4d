"""``--audit answers|none``: thresholds on audit figures not measured are "not-measured" in
every output (exit code, closing lines, junit.xml, the step summary, the report's verdict, a
capacity level and capacity.json), never a pass; a --host needs no admin token (no HTTP
to a real service here: the preflight runs against a loopback server without /admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from loadtests.audit.levels import audit_unmeasured, not_measured_audit
from loadtests.thresholds import parse_threshold
from pollday import CapacityConfig, RunConfig
from pollday.capacity.command import verdict_lines
from pollday.capacity.judge import level_rule
from pollday.capacity.output import SearchContext, write_outputs
from pollday.capacity.plan import LevelPlan
from pollday.capacity.record import level_record
from pollday.capacity.search import SearchResult
from pollday.capacity.window import LevelLoad
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_OK, EXIT_THRESHOLD
from pollday.harness.failure import RunFailure
from pollday.harness.load_target import check_adapter, check_target, preflight
from pollday.models.capacity import CapacityOutput, NationalPeak, Window
from pollday.report.verdict import page_verdict
from pollday.verdicts.junit import write_junit
from pollday.verdicts.line import run_closing_lines
from pollday.verdicts.run_verdict import judge
from pollday.verdicts.step_summary import run_markdown
from simulation import load_scenario
from tests.html_server import html_server

ROOT = Path(__file__).resolve().parents[2]
RULES = ("checkin.p95_ms < 300", "audit.duplicates_accepted == 0",
         "audit.lost_checkins == 0", "audit.results_mismatch == 0")
ANSWERS = {"level": "answers", "lost_checkins": None, "ledger_unconfirmed": None,
           "double_acceptances": None, "results_mismatch": None, "duplicates_accepted": 0,
           "double_acceptances_seen_by_harness": 0, "acknowledged_checkins": 10}


def _judged(audit: dict[str, Any], p95_ms: float, tmp_path: Path,
            rules: tuple[str, ...] = RULES) -> dict[str, Any]:
    """A run's summary as pollday run writes its verdict part."""
    thresholds = [parse_threshold(r) for r in rules]
    figures = {"checkin.p95_ms": p95_ms,
               **{f"audit.{k}": v for k, v in audit.items() if k != "level"}}
    verdicts, code, failure = judge(thresholds, figures, {}, tmp_path, audit_unmeasured(audit))
    return {"scenario": "Smoke", "thresholds": verdicts, "exit_code": code, "audit": audit,
            "verdict": "met" if code == EXIT_OK else "failed", **failure}


def test_the_exit_code_is_judged_by_the_measured_thresholds(tmp_path: Path) -> None:
    held = _judged(ANSWERS, 120.0, tmp_path)
    assert held["exit_code"] == EXIT_OK
    assert [v["verdict"] for v in held["thresholds"]] == [
        "met", "met", "not-measured", "not-measured"]
    assert run_closing_lines(held) == [
        "pollday run: PASSED — all 2 measured thresholds met, 2 not measured (Smoke, exit 0)",
        "  2 thresholds not measured (--audit answers): audit.lost_checkins == 0, "
        "audit.results_mismatch == 0 — neither met nor failed; --audit full measures them"]
    slow = _judged(ANSWERS, 450.0, tmp_path)
    assert slow["exit_code"] == EXIT_THRESHOLD
    assert run_closing_lines(slow)[:2] == [
        "pollday run: FAILED — 1 of 2 measured thresholds failed, 2 not measured "
        "(Smoke, exit 1)",
        "  FAILED checkin.p95_ms < 300 — measured 450 ms"]
    # The full audit: every threshold measured, today's words.
    full = _judged({"level": "full", "lost_checkins": 0, "duplicates_accepted": 0,
                    "results_mismatch": 0}, 120.0, tmp_path)
    assert run_closing_lines(full) == [
        "pollday run: PASSED — all 4 thresholds met (Smoke, exit 0)"]


def test_with_no_audit_every_audit_threshold_is_not_measured(tmp_path: Path) -> None:
    summary = _judged(not_measured_audit("none"), 120.0, tmp_path)
    assert summary["exit_code"] == EXIT_OK
    assert [v["verdict"] for v in summary["thresholds"]] == ["met"] + ["not-measured"] * 3
    assert "3 thresholds not measured (--audit none)" in run_closing_lines(summary)[1]
    assert all("--audit none" in v["reason"] for v in summary["thresholds"][1:])


def test_a_voter_the_harness_saw_accepted_twice_fails_without_the_admin_contract(
        tmp_path: Path) -> None:
    seen = {**ANSWERS, "double_acceptances_seen_by_harness": 2}
    summary = _judged(seen, 120.0, tmp_path, ("audit.double_acceptances == 0",))
    assert summary["exit_code"] == EXIT_THRESHOLD
    verdict = summary["thresholds"][0]
    assert (verdict["verdict"], verdict["value"]) == ("failed", 2.0)
    assert "at least 2" in verdict["reason"]


def test_junit_skips_an_unmeasured_threshold_with_its_reason(tmp_path: Path) -> None:
    summary = _judged(ANSWERS, 450.0, tmp_path)
    write_junit(tmp_path / "junit.xml", "Smoke", summary["thresholds"], 1.0)
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "2")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    skipped = cases["audit.lost_checkins == 0"].find("skipped")
    assert skipped is not None and cases["audit.lost_checkins == 0"].find("failure") is None
    assert "--audit answers" in (skipped.get("message") or "")
    assert cases["checkin.p95_ms < 300"].find("failure") is not None
    assert cases["audit.duplicates_accepted == 0"].find("skipped") is None


def test_step_summary_and_report_say_not_measured(tmp_path: Path) -> None:
    summary = _judged(ANSWERS, 120.0, tmp_path)
    markdown = run_markdown(summary, tmp_path)
    assert "⚪ not measured | `audit.lost_checkins == 0`" in markdown
    assert "2 thresholds not measured (--audit answers)" in markdown
    assert "| not measured |" in markdown  # a key figure without a value
    service = page_verdict(summary).parts[0]
    assert service.text == (
        "all 2 measured thresholds on the service met; 2 not measured: "
        "audit.lost_checkins == 0, audit.results_mismatch == 0")
    note = page_verdict(summary).note
    assert "every measured threshold met" in note and "2 not measured" in note


def _plan(multiple: float) -> LevelPlan:
    load = LevelLoad(multiple, np.arange(4, dtype=np.int64), 0.5, 10.0)
    return LevelPlan(load, passes=1, pass_s=30.0, main_requests=6000)


def _loadtest(p95_ms: float) -> dict[str, Any]:
    endpoint = {"figure": "checkin", "requests": 6000, "attempts": 6000, "retries": 0,
                "statuses": {"201": 6000}, "errors": {}, "error_count": 0,
                "error_rate": 0.0, "p95_ms": p95_ms}
    generator = {"scheduled_jobs": 6000, "first_send_s": 0.0, "last_answer_s": 30.0,
                 "lag_p99_ms": 5.0}
    return {"endpoints": {"POST /v1/checkins": endpoint}, "generator": generator}


def test_a_capacity_level_holds_on_measured_thresholds_and_says_what_was_not(
        tmp_path: Path) -> None:
    thresholds = [parse_threshold(r) for r in RULES]
    rule = level_rule(thresholds)
    held = level_record(_plan(2.0), 1, tmp_path, _loadtest(100.0), ANSWERS, thresholds,
                        rule, 100.0)
    assert held.verdict == "held" and held.failing == []
    assert held.unmeasured == ["audit.lost_checkins == 0", "audit.results_mismatch == 0"]
    assert held.audit.level == "answers" and held.audit.lost_checkins is None
    failed = level_record(_plan(4.0), 2, tmp_path, _loadtest(900.0), ANSWERS, thresholds,
                          rule, 100.0)
    assert failed.verdict == "failed" and failed.failing == ["checkin.p95_ms < 300"]

    scenario = load_scenario(ROOT / "scenarios" / "smoke.toml")
    config = CapacityConfig(ROOT / "scenarios" / "smoke.toml", tmp_path, audit="answers",
                            host="http://127.0.0.1:9", secret="s")
    found = SearchResult(levels=[held, failed], held=2.0, failed=4.0)
    context = SearchContext(
        national_peak=NationalPeak(checkins_per_min=600.0, span_min=15, starts_s=0.0),
        window=Window(label="08:00-09:00", auto=True, start_s=0.0, end_s=3600.0,
                      checkins_per_min=600.0))
    code, doc = write_outputs(config, scenario, thresholds, context, found, None, 1.0)
    assert code == EXIT_OK
    assert doc["unmeasured"] == held.unmeasured and doc["settings"]["audit"] == "answers"
    assert doc["headline"].endswith(
        "(2 thresholds not measured (--audit answers): audit.lost_checkins == 0, "
        "audit.results_mismatch == 0; a level held on the measured thresholds only)")
    assert CapacityOutput.read(tmp_path / "capacity.json").unmeasured == held.unmeasured
    lines = verdict_lines(doc, code)  # the headline says it: once
    assert lines == [f"pollday capacity: met (exit 0): {doc['headline']}"]
    failure = {**doc, "headline": "capacity not measured: the target failed"}
    assert verdict_lines(failure, 3)[-1] == (
        "  2 thresholds not measured (--audit answers): audit.lost_checkins == 0, "
        "audit.results_mismatch == 0; a level held on the measured thresholds only")


@pytest.mark.parametrize("config_type", [RunConfig, CapacityConfig])
def test_a_host_needs_the_admin_token_only_for_the_full_audit(
        config_type: type[RunConfig] | type[CapacityConfig], tmp_path: Path) -> None:
    host: dict[str, Any] = {"host": "http://127.0.0.1:9", "secret": "s"}
    with pytest.raises(RunFailure, match="--audit answers") as refused:
        check_target(config_type(Path("day.toml"), tmp_path, **host))
    assert refused.value.code == EXIT_BAD_INPUT and "--admin-token" in str(refused.value)
    for level in ("answers", "none"):
        check_target(config_type(Path("day.toml"), tmp_path, audit=level, **host))
    # The station secret stays required by the reference dialect, whatever the audit.
    bare = config_type(Path("day.toml"), tmp_path, host=host["host"], audit="none")
    check_target(bare)
    with pytest.raises(RunFailure, match="--secret") as refused:
        check_adapter(bare, "", "day.toml")
    assert refused.value.code == EXIT_BAD_INPUT


def test_preflight_asks_for_the_admin_contract_only_for_the_full_audit() -> None:
    with html_server() as url:  # every path 404: no admin contract
        with pytest.raises(RunFailure, match="GET /admin/counters answered 404") as refused:
            preflight(url, "token", "full")
        assert refused.value.code == EXIT_HARNESS
        assert "--audit answers" in str(refused.value)
        preflight(url, "", "answers")
        preflight(url, "", "none")


def test_the_adapter_option_overrides_the_scenarios_and_is_named_when_bad(
        tmp_path: Path) -> None:
    scenario_spec = "loadtests.adapter:Adapter"
    plain = RunConfig(Path("day.toml"), tmp_path)
    assert check_adapter(plain, scenario_spec, "day.toml") == scenario_spec
    given = RunConfig(Path("day.toml"), tmp_path, adapter="loadtests.adapter:Adapter")
    assert check_adapter(given, "", "day.toml") == "loadtests.adapter:Adapter"
    bad = CapacityConfig(Path("day.toml"), tmp_path, adapter="no_such_module_here:Mine")
    with pytest.raises(RunFailure, match=r"^--adapter: adapter 'no_such_module_here:Mine'") \
            as refused:
        check_adapter(bad, scenario_spec, "day.toml")
    assert refused.value.code == EXIT_BAD_INPUT
    with pytest.raises(RunFailure, match=r"^day.toml: loadtest.adapter: "):
        check_adapter(plain, "no_such_module_here:Mine", "day.toml")


def test_an_adapter_mapping_given_on_the_command_line_is_checked_against_the_scenario(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain service's mapping (examples/plain_service) holds voter ids for smoke's
    stations only: fine for smoke, bad input (exit 2, naming --adapter) for another."""
    monkeypatch.setenv("PLAIN_API_KEY", "key")
    monkeypatch.chdir(ROOT)
    mapping = "examples/plain_service/pollday-adapter.toml"
    config = RunConfig(Path("day.toml"), tmp_path, adapter=mapping)
    smoke = load_scenario(ROOT / "scenarios" / "smoke.toml")
    assert check_adapter(config, "", "day.toml", smoke) == mapping
    flat = load_scenario(ROOT / "tests" / "pollday" / "capacity_flat.toml")
    with pytest.raises(RunFailure, match=r"^--adapter: .*voters.csv: no voter ids for 20") \
            as refused:
        check_adapter(config, "", "day.toml", flat)
    assert refused.value.code == EXIT_BAD_INPUT
