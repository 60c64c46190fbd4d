"""The thresholds (top of the page) and the load-test section of a ``pollday run`` folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loadtests.figures import BY_NAME, of_group
from loadtests.figures.colour import figure_colour
from pollday.report.loadtest_data import thresholds_of
from pollday.report.plots.loadtest import (
    latency_figure,
    latency_over_time_figure,
    rate_figure,
)
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from pollday.report.verdict import figure_of, page_verdict, row_colour, subject_of

# Labels and units from the figure catalogue (the report shows counts without a unit).
_AUDIT = of_group("audit")
_LOOP = of_group("loop", judged=False)


def _audit_rows(audit: dict[str, Any], summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit's checks, each coloured by its catalogue rule (or its threshold). A figure
    the audit level did not measure (``--audit answers``: null) is a plain row saying so."""
    thresholds = summary.get("thresholds") or ()
    level = audit.get("level", "full")
    return [{"figure": f.name, "label": f.label, "value": audit[f.stat],
             "unmeasured": "" if audit[f.stat] is not None else
             _unmeasured_text(f.name, str(level), thresholds),
             "colour": figure_colour(f.name, audit[f.stat], summary=summary,
                                     thresholds=thresholds)}
            for f in _AUDIT if f.stat in audit]


def _unmeasured_text(name: str, level: str, thresholds: Iterable[Mapping[str, Any]]) -> str:
    """'not measured (--audit answers)', or the lower bound a threshold was judged on."""
    bound = next((t["value"] for t in thresholds
                  if t.get("name") == name and t.get("value") is not None), None)
    if isinstance(bound, int | float):
        return f"at least {bound:g} (a lower bound; not measured under --audit {level})"
    return f"not measured (--audit {level})"


def audit_note(audit: dict[str, Any]) -> str:
    """What the audit level left out: '' for the full audit."""
    level = audit.get("level", "full")
    missing = [f.label for f in _AUDIT if f.stat in audit and audit[f.stat] is None]
    if level == "full" or not missing:
        return ""
    how = ("no audit ran" if level == "none" else
           "the audit read the harness's ledger only (what the target answered)")
    return (f"--audit {level}: {how}; not measured: {', '.join(missing)} "
            "(--audit full measures them through the admin contract).")


def _candidate_rows(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """Published results beside the sum of accepted protocols, per candidate: a difference
    is what ``audit.results_mismatch`` counts, so it is coloured by that figure's rule."""
    results, protocols = audit.get("result_votes"), audit.get("protocol_votes")
    if not isinstance(results, dict) or not isinstance(protocols, dict):
        return []
    return [{"name": name, "result": results.get(name, 0), "protocol": votes,
             "colour": figure_colour("audit.results_mismatch",
                                     abs(int(results.get(name, 0)) - int(votes)))}
            for name, votes in protocols.items()]


def _loop_rows(loop: dict[str, Any], summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The closed loop's figures, assumed latency (the day's ``stations.*`` figure) beside
    measured latency (``loop.*``), each coloured by its catalogue rule (or its threshold)."""
    assumed, measured = loop.get("assumed") or {}, loop.get("with_measured_latency") or {}
    thresholds = summary.get("thresholds") or ()
    rows = []
    for f in _LOOP:
        if f.stat not in assumed:
            continue
        # the day's own figure, when the catalogue has one (the mean wait is the loop's only)
        day = f"stations.{f.stat}" if f"stations.{f.stat}" in BY_NAME else f.name
        rows.append({
            "label": f.label, "unit": "" if f.unit == "count" else f.unit,
            "assumed": assumed[f.stat], "measured": measured.get(f.stat),
            "assumed_figure": day, "measured_figure": f.name,
            "assumed_colour": figure_colour(day, assumed[f.stat], summary=summary,
                                            thresholds=thresholds),
            "measured_colour": figure_colour(f.name, measured.get(f.stat), summary=summary,
                                             thresholds=thresholds),
        })
    return rows


def thresholds_section(folder: RunFolder) -> Section | None:
    if folder.simulation is None:
        return None
    thresholds = thresholds_of(folder.path, folder.simulation.summary)
    if thresholds is None:
        return None
    summary = folder.simulation.summary
    # Thresholds the run did not measure (--audit answers) are rows of their own style:
    # "not measured" with the reason, neither met nor failed, counted apart.
    measured = [t for t in thresholds if t["verdict"] != "not-measured"]
    failed = [t for t in measured if t["verdict"] != "met"]
    audit = audit_note(summary.get("audit") or {})
    notes = [*summary.get("notes", []), *([audit] if audit else [])]
    return Section(
        id="thresholds",
        title="Verdict and thresholds",
        template="sections/thresholds.html.j2",
        context={
            "verdict": page_verdict(folder.simulation.summary),
            "thresholds": [{**t, "reason": t.get("reason"), "colour": row_colour(t)}
                           for t in thresholds],
            "subjects": [subject_of(figure_of(t)) for t in thresholds],
            "failed": len(failed),
            "measured": len(measured),
            "unmeasured": len(thresholds) - len(measured),
            "exit_code": folder.simulation.summary.get("exit_code"),
            "notes": notes,
            "failure": folder.simulation.summary.get("failure"),
        },
    )


def _errors(endpoints: dict[str, dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (name, kind, int(count))
        for name, ep in endpoints.items()
        for kind, count in sorted(ep.get("errors", {}).items(), key=lambda kv: -int(kv[1]))
    ]


def loadtest_section(folder: RunFolder) -> Section | None:
    data = folder.loadtest
    if data is None:
        return None
    endpoints: dict[str, dict[str, Any]] = data.loadtest.get("endpoints", {})
    loop = data.closed_loop
    summary = folder.simulation.summary if folder.simulation is not None else {}
    return Section(
        id="load-test",
        title="Load test",
        template="sections/loadtest.html.j2",
        context={
            "replay": data.replay,
            "generator": data.loadtest.get("generator", {}),
            "endpoints": endpoints,
            "errors": _errors(endpoints),
            "rate_image": rate_figure(data.rate, float(data.replay.get("compress", 1))),
            "latency_image": latency_figure(endpoints, data.loadtest.get("checkin_latency_ms", {})),
            # None for a loadtest.json without per-bin latency (format 1): no figure then
            "latency_over_time_image": latency_over_time_figure(data.over_time),
            "audit": data.audit,
            "audit_rows": _audit_rows(data.audit, summary),
            "candidates": _candidate_rows(data.audit),
            "loop": loop,
            "loop_rows": _loop_rows(loop, summary),
        },
    )
