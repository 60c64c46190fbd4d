"""Figures of a sizing run: one row per station, national totals, the hardest stations."""

from __future__ import annotations

from typing import Any

from simulation.scenario.model import Scenario
from simulation.sizing.model import SizingOutput
from simulation.sizing.request import pool_labels, resolved
from simulation.sizing.screen import identification_pool
from simulation.sizing.search import BandAnswer, SizingRequest
from simulation.station.units import station_units
from simulation.stations import StationTable, station_code

_HARDEST = 10


def station_rows(
    scenario: Scenario, stations: StationTable, answers: list[BandAnswer],
    flags: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per station, a pair of columns per pool (``<label>_current``, ``<label>``);
    ``flags`` (per band, :func:`simulation.sizing.confirm.band_flags`) adds the fresh-day
    figures."""
    labels = pool_labels(scenario)
    rows: list[dict[str, Any]] = []
    for k, answer in enumerate(answers):
        mean, low, high = answer.final.p95_ci()
        recommended = dict(answer.units)
        for s in answer.stations:
            row: dict[str, Any] = {
                "index": s,
                "station": station_code(s),
                "group": scenario.station_groups[int(stations.group[s])].name,
                "registered": int(stations.registered[s]),
                "verified_on": answer.representative,
            }
            today = station_units(scenario, stations, s)
            for pool, label in labels.items():
                row[f"{label}_current"] = today[pool]
                row[label] = recommended[pool]
            row.update(
                p95_wait_min=round(mean, 2),
                p95_wait_ci_low=round(low, 2),
                p95_wait_ci_high=round(high, 2),
                target_met_share=round(answer.final.met_share, 3),
                lost_votes_mean=round(answer.final.lost_votes_mean, 2),
                last_left_after_close_p95_min=round(answer.final.last_left_after_close_min, 1),
                unreachable=";".join(labels[p] for p in answer.unreachable),
                reason=answer.reason,
                **{f"reason_{labels[p]}": r for p, r in answer.reasons.items()},
                **_current(answer),
                **(flags[k] if flags else {}),
            )
            rows.append(row)
    rows.sort(key=lambda r: int(r["index"]))
    return rows


def _current(answer: BandAnswer) -> dict[str, Any]:
    """The current hardware's own figures, on the same days as the recommendation's."""
    current = answer.current
    if current is None:
        return {}
    mean, low, high = current.p95_ci()
    return {
        "current_p95_wait_min": round(mean, 2),
        "current_p95_wait_ci_low": round(low, 2),
        "current_p95_wait_ci_high": round(high, 2),
        "current_target_met_share": round(current.met_share, 3),
        "current_lost_votes_mean": round(current.lost_votes_mean, 2),
    }


def reasons(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Stations by the reason for their terminals (see simulation.sizing.why)."""
    out: dict[str, int] = {}
    for row in rows:
        if row.get("reason"):
            out[row["reason"]] = out.get(row["reason"], 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def national_totals(rows: list[dict[str, Any]], scenario: Scenario) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    costs = scenario.costs
    for pool, r in pool_labels(scenario).items():
        if not rows or r not in rows[0]:
            continue
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
            price = costs.price(pool)
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
                    "reasons": reasons(mine),
                    "current_target_met_share": _mean_of(mine, "current_target_met_share"),
                    "current_p95_wait_min": _mean_of(mine, "current_p95_wait_min"),
                    "recommended_p95_wait_min": _mean_of(mine, "p95_wait_min"),
                }
            )
    return out


def _mean_of(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if key in r]
    return round(sum(values) / len(values), 3) if values else None


def hardest_stations(rows: list[dict[str, Any]], scenario: Scenario) -> list[dict[str, Any]]:
    """Stations needing the most units of the identifying pool, then the longest waits."""
    labels = pool_labels(scenario)
    first = labels.get(identification_pool(scenario), next(iter(labels.values())))
    ranked = sorted(
        rows,
        key=lambda r: (
            -int(r[first]),
            -float(r["p95_wait_min"]),
            -int(r["registered"]),
            int(r["index"]),
        ),
    )
    return [{"station": r["station"], "group": r["group"], "registered": r["registered"],
             "units": {label: int(r[label]) for label in labels.values()},
             "p95_wait_min": r["p95_wait_min"]} for r in ranked[:_HARDEST]]


def sizing_summary(
    scenario: Scenario,
    request: SizingRequest,
    rows: list[dict[str, Any]],
    answers: list[BandAnswer],
    seed: int,
) -> SizingOutput:
    """``sizing.json`` without the what-ifs (``pollday size --what-if`` adds them)."""
    return SizingOutput.of({
        "scenario": scenario.election.name,
        "targets": [str(t) for t in request.targets],
        "confidence": request.confidence,
        "replications": request.replications,
        "resources": [pool_labels(scenario)[p] for p in resolved(scenario, request).resources],
        "band_voters": request.band_voters,
        "seed": seed,
        "stations": len(rows),
        "bands": len(answers),
        "station_days_simulated": sum(a.station_days for a in answers),
        "stations_unreachable": sum(1 for r in rows if r["unreachable"]),
        "totals": national_totals(rows, scenario),
        "reasons": reasons(rows),
        "interval": "95 % t interval over the replications (n - 1 degrees of freedom)",
        "groups": group_totals(rows, scenario),
        "hardest_stations": hardest_stations(rows, scenario),
    })
