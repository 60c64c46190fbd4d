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
    return [v for v in summary.get("thresholds", []) if v.get("verdict") != "met"]


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
    scenario and the exit code, for a run that judged its thresholds."""
    thresholds = summary.get("thresholds", [])
    failed = len(failing_thresholds(summary))
    code = summary.get("exit_code", 1 if failed else 0)
    where = f"({summary.get('scenario', '?')}, exit {code})"
    if summary.get("failure"):  # the load generator failed: the thresholds cannot be trusted
        met = len(thresholds) - failed
        return (f"FAILED — the load generator failed; {met} of {len(thresholds)} thresholds "
                f"met {where}")
    if failed:
        return f"FAILED — {failed} of {len(thresholds)} thresholds failed {where}"
    return f"PASSED — all {len(thresholds)} thresholds met {where}"


def run_closing_lines(summary: dict[str, Any]) -> list[str]:
    """The verdict line, then each failing threshold indented under it."""
    return [f"pollday run: {run_verdict(summary)}",
            *(f"  {failing_line(v)}" for v in failing_thresholds(summary))]
