"""The one line a command ends with — its verdict — and the failing thresholds under it.

CI logs are read from the bottom: like k6's closing summary, ``pollday run`` ends with one
line saying whether the run held, then one line per failing threshold (the rule and what was
measured), even with ``--quiet``. ``pollday simulate`` ends with the standard's sentence.
The console, ``--quiet`` and the GitHub step summary (:mod:`pollday.verdicts.step_summary`) all take
their words from here, so they never disagree.
"""

from __future__ import annotations

from typing import Any

from loadtests.figures import BY_NAME
from simulation.standard import verdict_line as _standard_sentence


def standard_of(summary: dict[str, Any]) -> dict[str, Any]:
    """The station standard's verdict in a simulated day's summary (``standard``, or the
    older ``wait_standard``)."""
    standard = summary.get("standard")
    return standard if isinstance(standard, dict) else summary["wait_standard"]


def standard_verdict(summary: dict[str, Any]) -> str:
    """The standard's sentence for a planner: the only call of the simulation's wording."""
    return _standard_sentence(standard_of(summary))


def standard_holds(summary: dict[str, Any]) -> bool:
    standard = standard_of(summary)
    holds = standard.get("holds", standard.get("holds_at_every_station"))
    return bool(holds)


def format_value(name: str, value: float | None) -> str:
    """A measured figure with its catalogue unit: ``26.06 ms``, ``1.20 %``, ``3,087``."""
    if value is None:
        return "no data"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    figure = BY_NAME.get(name)
    unit = figure.unit if figure else ""
    if isinstance(value, int):
        number = f"{value:,}"
    else:  # as precise as a rule needs (a limit of 0.001 next to 26.063), never 1.2e+04
        number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if unit == "share":
        return f"{number} ({value:.2%})".replace("%", " %")
    if unit == "x":
        return f"{number}x"
    return f"{number} {unit}" if unit in ("ms", "min", "s") else number


def failing_thresholds(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in summary.get("thresholds", []) if v.get("verdict") == "failed"]


def unmeasured_thresholds(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Thresholds on figures the run chose not to measure (``--audit answers`` or ``none``)."""
    return [v for v in summary.get("thresholds", []) if v.get("verdict") == "not-measured"]


def unmeasured_line(summary: dict[str, Any]) -> str:
    """``2 thresholds not measured (--audit answers): audit.lost_checkins == 0, ...``; empty
    when every threshold was measured."""
    unmeasured = unmeasured_thresholds(summary)
    if not unmeasured:
        return ""
    audit = summary.get("audit")
    level = audit.get("level", "full") if isinstance(audit, dict) else "full"
    noun = "threshold" if len(unmeasured) == 1 else "thresholds"
    rules = ", ".join(str(v["rule"]) for v in unmeasured)
    return (f"{len(unmeasured)} {noun} not measured (--audit {level}): {rules} — neither met "
            "nor failed; --audit full measures them")


def failing_line(verdict: dict[str, Any]) -> str:
    """``FAILED checkin.p95_ms < 300 — measured 412.5 ms`` (or why it has no value)."""
    if verdict.get("value") is None:
        why = verdict.get("reason") or "no data: the figure was not measured"
    else:
        why = f"measured {format_value(verdict['name'], verdict['value'])}"
        if verdict.get("reason"):
            why += f" ({verdict['reason']})"
    return f"FAILED {verdict['rule']} — {why}"


def run_verdict(summary: dict[str, Any]) -> str:
    """``PASSED — all 11 thresholds met`` / ``FAILED — 1 of 12 thresholds failed``, with the
    scenario and the exit code, for a run that judged its thresholds. Thresholds not measured
    are counted apart: ``PASSED — all 9 measured thresholds met, 2 not measured``."""
    thresholds = summary.get("thresholds", [])
    failed = len(failing_thresholds(summary))
    unmeasured = len(unmeasured_thresholds(summary))
    code = summary.get("exit_code", 1 if failed else 0)
    where = f"({summary.get('scenario', '?')}, exit {code})"
    measured = len(thresholds) - unmeasured
    apart = f", {unmeasured} not measured" if unmeasured else ""
    of = "measured thresholds" if unmeasured else "thresholds"
    if summary.get("failure"):  # the load generator failed: the thresholds cannot be trusted
        met = measured - failed
        return (f"FAILED — the load generator failed; {met} of {measured} {of} "
                f"met{apart} {where}")
    if failed:
        return f"FAILED — {failed} of {measured} {of} failed{apart} {where}"
    return f"PASSED — all {measured} {of} met{apart} {where}"


def run_closing_lines(summary: dict[str, Any]) -> list[str]:
    """The verdict line, then each failing threshold indented under it, then the thresholds
    not measured (one line)."""
    unmeasured = unmeasured_line(summary)
    return [f"pollday run: {run_verdict(summary)}",
            *(f"  {failing_line(v)}" for v in failing_thresholds(summary)),
            *([f"  {unmeasured}"] if unmeasured else [])]
