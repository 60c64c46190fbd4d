"""The report of a run under ``--audit answers``: a threshold the run did not measure is a
row of its own style ("not measured" with its reason: neither green nor red), and an audit
figure the level left out says "not measured (--audit answers)" instead of a number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadtests.audit.levels import audit_unmeasured
from loadtests.thresholds import evaluate, parse_threshold
from tests.pollday.report_support import write_smoke_run
from tests.pollday.test_report_verdicts import problems
from tests.pollday.verdict_pages import Marks, render

RULES = ("checkin.p95_ms < 300", "audit.duplicates_accepted == 0",
         "audit.idempotency_conflicts == 0", "audit.lost_checkins == 0",
         "audit.double_acceptances == 0")
ANSWERS = {"level": "answers", "lost_checkins": None, "ledger_unconfirmed": None,
           "double_acceptances": None, "results_mismatch": None, "duplicates_accepted": 0,
           "duplicates_refused": 4, "double_acceptances_seen_by_harness": 0,
           "idempotency_conflicts": 0, "checkin_ids_shared": 0, "acknowledged_checkins": 10,
           "protocols_accepted_by_harness": 2,
           "not_measured": ["lost_checkins", "ledger_unconfirmed", "double_acceptances",
                            "results_mismatch"]}


CHECKINS = {"figure": "checkin", "requests": 100, "attempts": 100, "retries": 0,
            "statuses": {"201": 100}, "errors": {}, "error_count": 0, "error_rate": 0.0,
            **{f"{q}{when}": ms for q, ms in (("p50_ms", 20.0), ("p95_ms", 60.0),
                                              ("p99_ms", 80.0), ("max_ms", 90.0))
               for when in ("", "_intended")}}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_smoke_run(tmp_path_factory.mktemp("smoke"))
    (folder / "loadtest").mkdir()
    (folder / "loadtest" / "loadtest.json").write_text(json.dumps(
        {"format": 2, "endpoints": {},
         "rate": {"bin_s": 1.0, "scheduled_rps": [1.0, 2.0], "achieved_rps": [1.0, 2.0]}}))
    return folder


def _summary(folder: Path, audit: dict[str, Any]) -> dict[str, Any]:
    """The folder's summary as ``pollday run`` would write it under ``audit``'s level."""
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    figures = {"checkin.p95_ms": 60.0,
               **{f"audit.{k}": v for k, v in audit.items() if isinstance(v, int | None)}}
    verdicts = evaluate([parse_threshold(r) for r in RULES], figures, audit_unmeasured(audit))
    failed = any(v["verdict"] == "failed" for v in verdicts)
    return {**summary, "thresholds": verdicts, "exit_code": int(failed),
            "verdict": "failed" if failed else "met", "notes": [],
            "loadtest": {"endpoints": {"POST /v1/checkins": CHECKINS}}, "audit": audit,
            "replay": {"compress": 60.0, "station_share": 1.0, "events_after_window": 0,
                       "expected_s": 10.0, "national_peak_checkins_per_min": 10.0,
                       "national_multiple": {"checkins": 1.0}},
            "closed_loop": {"measured": False, "reason": "a test"}, "run_wall_s": 1.0}


def _page(folder: Path, summary: dict[str, Any]) -> str:
    """The page of the folder with ``summary`` as its summary.json (the load-test section
    reads its audit from there)."""
    (folder / "summary.json").write_text(json.dumps(summary))
    return render(folder)


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Threshold rows (``data-verdict``) and audit rows (``data-colour``) by figure."""
    out: dict[str, dict[str, str]] = {}
    for m in Marks(html).figures:
        if m.tag == "tr":
            key = "threshold" if "data-verdict" in m.attrs else "audit"
            out.setdefault(m.attrs["data-figure"], {})[key] = " ".join(sorted(m.classes))
    return out


def test_unmeasured_thresholds_are_rows_of_their_own_neither_green_nor_red(
        smoke: Path) -> None:
    summary = _summary(smoke, ANSWERS)
    assert summary["exit_code"] == 0
    html = _page(smoke, summary)
    assert problems(html, summary) == []
    rows = _rows(html)
    assert rows["audit.lost_checkins"]["threshold"] == "unmeasured"
    assert rows["audit.double_acceptances"]["threshold"] == "unmeasured"
    assert rows["checkin.p95_ms"]["threshold"] == "good"
    assert rows["audit.idempotency_conflicts"]["threshold"] == "good"
    table = html[html.index('<table class="key">'):]
    table = table[:table.index("</table>")]
    assert table.count('<span class="flag">not measured</span>') == 2
    assert "not-measured" not in table.replace('data-verdict="neutral"', "")
    assert "it needs the target&#39;s admin contract; --audit full measures it" in table
    assert "All 3 measured thresholds met, 2 not measured (neither met nor failed) " \
           "(exit code 0)" in html


def test_audit_figures_the_level_left_out_say_not_measured(smoke: Path) -> None:
    summary = _summary(smoke, ANSWERS)
    html = _page(smoke, summary)
    audit = html[html.index('id="load-audit"'):]
    audit = audit[:audit.index("</table>")]
    assert "<code>--audit answers</code>" in audit
    for label in ("acknowledged check-ins missing from the service", "voters accepted twice",
                  "results differing from the sum of accepted protocols"):
        row = audit[audit.index(label):]
        assert row[:row.index("</tr>")].endswith(
            '<td class="num unmeasured">not measured (--audit answers)</td>\n    '), label
    # The ledger's own figures are measured: numbers, coloured by their rule.
    assert _rows(html)["audit.duplicates_refused"]["audit"] == ""  # neutral, no alarm
    assert _rows(html)["audit.checkin_ids_shared"]["audit"] == "good"
    assert "duplicate attempts refused</th><td class=\"num coloured\">4</td>" in audit


def test_a_lower_bound_that_settles_a_rule_shows_as_one(smoke: Path) -> None:
    seen = {**ANSWERS, "double_acceptances_seen_by_harness": 2}
    summary = _summary(smoke, seen)
    assert summary["exit_code"] == 1
    html = _page(smoke, summary)
    assert problems(html, summary) == []
    rows = _rows(html)
    assert rows["audit.double_acceptances"] == {"threshold": "bad", "audit": "bad unmeasured"}
    assert "at least 2 (a lower bound; not measured under --audit answers)" in html


def test_with_no_audit_the_section_says_so(smoke: Path) -> None:
    none = {"level": "none", **{k: None for k, v in ANSWERS.items()
                                if k not in ("level", "not_measured")}}
    summary = _summary(smoke, none)
    html = _page(smoke, summary)
    assert problems(html, summary) == []
    assert "No audit ran (<code>--audit none</code>)" in html
    assert "check-ins acknowledged" not in html
    audit = html[html.index('id="load-audit"'):]
    assert audit[:audit.index("</table>")].count(
        '<td class="num unmeasured">not measured (--audit none)</td>') == 9  # every figure
