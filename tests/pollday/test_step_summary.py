"""The closing verdict lines (``pollday.verdicts.line``) and the GitHub step summary
(``pollday.verdicts.step_summary``) on hand-made summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pollday.console import print_closing
from pollday.verdicts.line import (
    failing_line,
    format_value,
    run_closing_lines,
    run_verdict,
)
from pollday.verdicts.step_summary import (
    append_step_summary,
    escape,
    failure_markdown,
    run_markdown,
)


def _verdict(rule: str, value: float | None, met: bool, reason: str | None = None
             ) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rule.split()[0], "rule": rule, "value": value,
                           "verdict": "met" if met else "failed"}
    if reason:
        out["reason"] = reason
    return out


def _summary(*verdicts: dict[str, Any], code: int = 0, **more: Any) -> dict[str, Any]:
    return {"scenario": "Smoke test election", "thresholds": list(verdicts), "exit_code": code,
            **more}


MET = _verdict("checkin.p95_ms < 300", 26.063, True)
SLOW = _verdict("checkin.p99_ms_intended < 1000", 1778.2, False)
NO_DATA = _verdict("batch.p95_ms < 500", None, False, "no data: the figure was not measured")


def test_values_carry_their_catalogue_unit() -> None:
    assert format_value("checkin.p95_ms", 26.063) == "26.06 ms"
    assert format_value("checkin.p95_ms", 12345.6) == "12,346 ms"  # never 1.235e+04
    assert format_value("checkin.error_rate", 0.0234) == "0.0234 (2.34 %)"
    assert format_value("audit.lost_checkins", 3087) == "3,087"
    assert format_value("stations.lost_votes", 19) == "19"
    assert format_value("checkin.p95_ms", None) == "no data"


def test_the_verdict_line_counts_thresholds_and_names_the_exit_code() -> None:
    assert run_verdict(_summary(MET, MET)) == (
        "PASSED — all 2 thresholds met (Smoke test election, exit 0)")
    assert run_verdict(_summary(MET, SLOW, NO_DATA, code=1)) == (
        "FAILED — 2 of 3 thresholds failed (Smoke test election, exit 1)")
    harness = _summary(MET, _verdict("generator.harness_errors == 0", 99, False), code=3,
                       failure="the load generator failed: harness_errors = 99")
    assert run_verdict(harness) == (
        "FAILED — the load generator failed; 1 of 2 thresholds met (Smoke test election, "
        "exit 3)")


def test_each_failing_threshold_says_what_was_measured_or_why_nothing_was() -> None:
    assert run_closing_lines(_summary(MET, SLOW, NO_DATA, code=1))[1:] == [
        "  FAILED checkin.p99_ms_intended < 1000 — measured 1,778 ms",
        "  FAILED batch.p95_ms < 500 — no data: the figure was not measured",
    ]
    assert failing_line(_verdict("generator.harness_errors == 0", 2, False, "harness failure")
                        ) == "FAILED generator.harness_errors == 0 — measured 2 (harness failure)"


def test_closing_lines_go_to_stderr_when_stdout_carries_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_closing(["pollday run: PASSED"], json_output=False)
    assert capsys.readouterr() == ("pollday run: PASSED\n", "")
    print_closing(["pollday run: PASSED"], json_output=True)
    assert capsys.readouterr() == ("", "pollday run: PASSED\n")


def test_the_run_markdown_has_the_verdict_every_threshold_and_key_figures() -> None:
    summary = _summary(
        MET, SLOW, code=1, notes=["the replay reached its deadline"],
        loadtest={"endpoints": {"POST /v1/checkins": {"figure": "checkin", "requests": 2478,
                                                      "p95_ms": 26.063}}},
        audit={"lost_checkins": 0}, closed_loop={"measured": False})
    markdown = run_markdown(summary, Path("runs/ci"))
    assert markdown.startswith(
        "### ❌ pollday run: FAILED — 1 of 2 thresholds failed (Smoke test election, exit 1)\n")
    assert "| ✅ met | `checkin.p95_ms < 300` | 26.06 ms |" in markdown
    assert "| ❌ failed | `checkin.p99_ms_intended < 1000` | 1,778 ms |" in markdown
    assert "| checkin requests (`checkin.requests`) | 2,478 |" in markdown
    assert "(`audit.lost_checkins`) | 0 |" in markdown
    assert "Note: the replay reached its deadline" in markdown
    assert markdown.endswith("Run folder: `runs/ci` (`summary.json`, `junit.xml`, "
                             "`report.html`)")


def test_markdown_escapes_what_would_be_read_as_markup() -> None:
    assert escape("a|b <x> *y* [z]") == r"a\|b \<x\> \*y\* \[z\]"
    text = failure_markdown("run", "smoke", 3, "see ````this````", "audit")
    assert text.startswith("### ❌ pollday run: FAILED — the run did not complete (smoke, "
                           "stage: audit, exit 3)")
    assert text.count("````") == 2  # the message cannot close the fence


def test_the_step_summary_is_appended_only_when_github_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert append_step_summary("# x", command="run") is None
    path = tmp_path / "summary.md"
    path.write_text("earlier\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    assert append_step_summary("# one", command="run") == path
    assert append_step_summary("# two\n", command="run") == path
    assert path.read_text(encoding="utf-8") == "earlier\n# one\n\n# two\n\n"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: cannot append
    assert append_step_summary("# three", command="run") is None
    assert "pollday run: warning: could not append the summary" in capsys.readouterr().err
