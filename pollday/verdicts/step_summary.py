"""A Markdown summary appended to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions' job page).

GitHub Actions sets ``GITHUB_STEP_SUMMARY`` to a file whose Markdown it shows on the job's
page; each step appends to it. ``pollday run`` appends its verdict, every threshold with
pass/fail and the key figures; ``simulate`` and ``size`` a shorter one; a run that ended
before its verdicts says why. Outside GitHub Actions (the variable unset) nothing is written.
The words are the console's (:mod:`pollday.verdicts.line`), so the page and the log agree.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from loadtests.audit.levels import audit_unmeasured
from loadtests.figures import BY_NAME
from loadtests.figures.measured import day_figures, run_figures
from pollday.verdicts.line import (
    format_value,
    run_verdict,
    standard_holds,
    standard_verdict,
    unmeasured_line,
)

ENV = "GITHUB_STEP_SUMMARY"
PASS, FAIL, SKIPPED = "✅", "❌", "⚪"
# What a reader of a CI page looks at first, beside the thresholds (absent ones are skipped).
RUN_KEY_FIGURES = (
    "checkin.requests", "checkin.p95_ms", "checkin.p99_ms_intended", "checkin.error_rate",
    "results.p99_ms", "generator.lag_p99_ms", "generator.dropped_events",
    "audit.lost_checkins", "audit.double_acceptances", "audit.results_mismatch",
    "stations.worst_station_p95_wait_min", "stations.lost_votes",
    "loop.worst_station_p95_wait_min", "loop.lost_votes",
)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape(text: str) -> str:
    """Plain text inside Markdown (a scenario name, a sentence): nothing read as markup."""
    return _SPECIAL.sub(r"\\\1", text)


def append_step_summary(markdown: str, *, command: str) -> Path | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY``; the file, or None when the variable is
    unset. A file that cannot be written is a warning on stderr, never the run's failure."""
    path = os.environ.get(ENV, "").strip()
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(markdown.rstrip("\n") + "\n\n")
    except OSError as error:
        sys.stderr.write(f"pollday {command}: warning: could not append the summary to "
                         f"{ENV} ({path}): {error}\n")
        return None
    return Path(path)


def _figure_rows(figures: dict[str, Any], names: tuple[str, ...],
                 unmeasured: frozenset[str] = frozenset()) -> list[str]:
    rows = []
    for name in names:
        if name in BY_NAME and name in figures:
            # loop.* share the simulated day's labels: say which day it is
            label = escape(("closed loop: " if name.startswith("loop.") else "")
                           + BY_NAME[name].label)
            value = ("not measured" if name in unmeasured and figures[name] is None
                     else format_value(name, figures[name]))
            rows.append(f"| {label} (`{name}`) | {escape(value)} |")
    return ["| figure | value |", "|---|---:|", *rows] if rows else []


def _threshold_rows(thresholds: list[dict[str, Any]]) -> list[str]:
    rows = ["| | threshold | measured |", "|---|---|---:|"]
    for v in thresholds:
        mark = {"met": f"{PASS} met", "not-measured": f"{SKIPPED} not measured"}.get(
            str(v.get("verdict")), f"{FAIL} failed")
        value = format_value(v["name"], v.get("value"))
        if v.get("verdict") == "not-measured":
            value = str(v.get("reason") or "not measured")
        elif v.get("reason"):
            value += f" ({v['reason']})"
        rows.append(f"| {mark} | `{v['rule']}` | {escape(value)} |")
    return rows


def run_markdown(summary: dict[str, Any], out: Path) -> str:
    """A completed ``pollday run``: verdict, thresholds table, key figures, the stations'
    standard, notes and where the files are."""
    passed = summary.get("exit_code") == 0
    lines = [f"### {PASS if passed else FAIL} pollday run: {escape(run_verdict(summary))}", ""]
    if summary.get("failure"):
        lines += [f"**{escape(summary['failure'])}**", ""]
    lines += [*_threshold_rows(summary.get("thresholds", [])), ""]
    unmeasured = unmeasured_line(summary)
    if unmeasured:
        lines += [escape(unmeasured), ""]
    figures = run_figures(summary.get("loadtest", {}), summary.get("audit", {}), summary,
                          summary.get("closed_loop", {}))
    key = _figure_rows(dict(figures), RUN_KEY_FIGURES,
                       frozenset(audit_unmeasured(summary.get("audit", {}))))
    if key:
        lines += ["**Key figures**", "", *key, ""]
    multiple = summary.get("replay", {}).get("national_multiple", {}).get("checkins")
    if multiple is not None:
        lines += [f"Replayed at {multiple:g}x the national check-in peak.", ""]
    if "wait_standard" in summary or "standard" in summary:
        # The planner's verdict on the simulated day is not the thresholds': say whose it is.
        lines += ["The stations' standard (the simulated day, judged apart from the thresholds "
                  f"above unless they name it): {escape(standard_verdict(summary))}", ""]
    for note in summary.get("notes", []):
        lines += [f"Note: {escape(note)}", ""]
    lines += [f"Run folder: `{out}` (`summary.json`, `junit.xml`, `report.html`)"]
    return "\n".join(lines)


def failure_markdown(command: str, scenario: str, code: int, message: str, stage: str) -> str:
    """A run that did not complete (it ended before its verdicts, or failed writing them):
    what happened, and at which stage."""
    return "\n".join([
        f"### {FAIL} pollday {command}: FAILED — the run did not complete "
        f"({escape(scenario)}, stage: {escape(stage)}, exit {code})",
        "",
        "````text",
        message.replace("````", "'''"),
        "````",
    ])


def simulate_markdown(summary: dict[str, Any], out: Path) -> str:
    """A simulated day: the standard's sentence and the day's figures."""
    mark = PASS if standard_holds(summary) else FAIL
    figures = {f"stations.{stat}": value for stat, value in day_figures("stations", summary)
               .items()}
    lines = [f"### {mark} pollday simulate: {escape(str(summary.get('scenario', '')))}", "",
             escape(standard_verdict(summary)), "",
             *_figure_rows(figures, tuple(figures)), "",
             f"Run folder: `{out}`"]
    return "\n".join(lines)


def size_markdown(summary: dict[str, Any], out: Path) -> str:
    """A sizing: hardware now and needed, per resource, and what it was sized for."""
    goals = [f"the standard ({summary['standard']})"] if summary.get("standard") else []
    goals += list(summary.get("targets", []))
    lines = [f"### pollday size: {escape(str(summary.get('scenario', '')))}", "",
             f"Hardware to meet {escape(' and '.join(goals) or 'the targets')}.", "",
             "| resource | now | needed |", "|---|---:|---:|"]
    totals = summary.get("totals", {})
    for resource in summary.get("resources", []):
        total = totals.get(resource)
        if isinstance(total, dict) and "current" in total and "recommended" in total:
            lines.append(f"| {escape(resource)} | {total['current']:,} | "
                         f"{total['recommended']:,} |")
    lines += ["", f"Outputs: `{out}` (`sizing.json`, `sizing.csv`, `report.html`)"]
    return "\n".join(lines)
