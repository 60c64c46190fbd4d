"""Figures of a sizing run: one row per station, national totals, the hardest stations."""

from __future__ import annotations

from typing import Any

from simulation.scenario import Scenario
from simulation.sizing import BandAnswer, SizingRequest
from simulation.stations import StationTable, station_code
from simulation.targets import RESOURCES

_HARDEST = 10
_UNIT = {"terminals": "terminal", "desks": "desk", "booths": "booth"}


def station_rows(
    scenario: Scenario, stations: StationTable, answers: list[BandAnswer]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for answer in answers:
        mean, low, high = answer.final.p95_ci()
        for s in answer.stations:
            row: dict[str, Any] = {
                "index": s,
                "station": station_code(s),
                "group": scenario.station_groups[int(stations.group[s])].name,
                "registered": int(stations.registered[s]),
                "verified_on": answer.representative,
            }
            for r in RESOURCES:
                row[f"{r}_current"] = int(getattr(stations, r)[s])
                row[r] = getattr(answer.hardware, r)
            row.update(
                p95_wait_min=round(mean, 2),
                p95_wait_ci_low=round(low, 2),
                p95_wait_ci_high=round(high, 2),
                target_met_share=round(answer.final.met_share, 3),
                lost_votes_mean=round(answer.final.lost_votes_mean, 2),
                last_left_after_close_p95_min=round(answer.final.last_left_after_close_min, 1),
                unreachable=";".join(answer.unreachable),
            )
            rows.append(row)
    rows.sort(key=lambda r: int(r["index"]))
    return rows


def national_totals(rows: list[dict[str, Any]], scenario: Scenario) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    costs = scenario.costs
    for r in RESOURCES:
        current = sum(int(row[f"{r}_current"]) for row in rows)
        recommended = sum(int(row[r]) for row in rows)
        to_add = sum(max(0, int(row[r]) - int(row[f"{r}_current"])) for row in rows)
        spare = sum(max(0, int(row[f"{r}_current"]) - int(row[r])) for row in rows)
        entry: dict[str, Any] = {
            "current": current,
            "recommended": recommended,
            "to_add": to_add,
            "could_move_elsewhere": spare,
        }
        if costs is not None:
            price = float(getattr(costs, _UNIT[r]))
            # Spare units moved to stations that need them are not bought twice.
            entry["cost_to_add"] = round(max(0, to_add - spare) * price, 2)
            entry["cost_recommended"] = round(recommended * price, 2)
        totals[r] = entry
    if costs is not None:
        totals["currency"] = costs.currency
    return totals


def group_totals(rows: list[dict[str, Any]], scenario: Scenario) -> list[dict[str, Any]]:
    """The national figures again for each station group, in the scenario's order. Spare
    units are netted against additions within the group only, so the groups' costs of
    additions add up to at least the national one (which also moves units between groups)."""
    out = []
    for group in scenario.station_groups:
        mine = [row for row in rows if row["group"] == group.name]
        if mine:
            out.append(
                {
                    "group": group.name,
                    "stations": len(mine),
                    "totals": national_totals(mine, scenario),
                }
            )
    return out


def hardest_stations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stations needing the most terminals, then the longest waits even so."""
    ranked = sorted(
        rows,
        key=lambda r: (
            -int(r["terminals"]),
            -float(r["p95_wait_min"]),
            -int(r["registered"]),
            int(r["index"]),
        ),
    )
    keep = ("station", "group", "registered", "terminals", "desks", "booths", "p95_wait_min")
    return [{k: r[k] for k in keep} for r in ranked[:_HARDEST]]


def sizing_summary(
    scenario: Scenario,
    request: SizingRequest,
    rows: list[dict[str, Any]],
    answers: list[BandAnswer],
    seed: int,
) -> dict[str, Any]:
    return {
        "scenario": scenario.election.name,
        "targets": [str(t) for t in request.targets],
        "confidence": request.confidence,
        "replications": request.replications,
        "resources": list(request.resources),
        "band_voters": request.band_voters,
        "seed": seed,
        "stations": len(rows),
        "bands": len(answers),
        "station_days_simulated": sum(a.station_days for a in answers),
        "stations_unreachable": sum(1 for r in rows if r["unreachable"]),
        "totals": national_totals(rows, scenario),
        "groups": group_totals(rows, scenario),
        "hardest_stations": hardest_stations(rows),
    }
