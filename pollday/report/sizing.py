"""The sizing section: recommended hardware against current, cost, sensitivity."""

from __future__ import annotations

from typing import Any

from pollday.report.plots.sizing import sizing_figure
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from pollday.report.sizing_data import group_sizing


def _sensitivity(summary: dict[str, Any], resources: list[str]) -> list[dict[str, Any]]:
    """The what-if cases against the scenario as given: recommended units and their change."""
    base = summary["totals"]
    cases = []
    for case in summary.get("sensitivity", []):
        totals = case["totals"]
        cases.append(
            {
                "case": case["case"],
                "recommended": {r: int(totals[r]["recommended"]) for r in resources},
                "change": {
                    r: int(totals[r]["recommended"]) - int(base[r]["recommended"])
                    for r in resources
                },
                "cost_to_add": (
                    sum(float(totals[r].get("cost_to_add", 0)) for r in resources)
                    if "currency" in totals
                    else None
                ),
                "wait_change": case.get("p95_wait_change_min"),
                "wait_change_ci": case.get("p95_wait_change_ci_min"),
            }
        )
    return cases


def sizing_section(folder: RunFolder) -> Section | None:
    data = folder.sizing
    if data is None:
        return None
    summary, resources = data.summary, data.resources
    groups = group_sizing(data)
    totals = summary["totals"]
    currency = totals.get("currency")
    return Section(
        id="sizing",
        title="Sizing",
        template="sections/sizing.html.j2",
        context={
            "s": summary,
            "resources": resources,
            "totals": totals,
            "currency": currency,
            "cost_to_add": (
                sum(float(totals[r].get("cost_to_add", 0)) for r in resources) if currency else None
            ),
            "groups": groups,
            "group_costs": bool(currency) and any(g.cost_to_add is not None for g in groups),
            "image": sizing_figure(groups, resources),
            "sensitivity": _sensitivity(summary, resources),
            "hardest": summary.get("hardest_stations", []),
        },
    )
