"""Out-of-sample confirmation of a sizing: the recommendation and today's hardware on fresh
days (a seed the search never saw), side by side.

A search that picks the fewest units meeting the standard on its own days is optimistic on
those days (it stops at the first count that passes them). The planner's figures (lost votes
a day, the last voter out, stations meeting the standard, now and with the recommendation)
are therefore measured again on fresh days, for each band's representative (its largest
station, standing for the band: an upper bound for the smaller ones), with both hardware
sets on the same fresh days (common random numbers), so the difference is paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simulation.execution.task_pool import TaskPool, run_chunked
from simulation.national.rosters import roster
from simulation.scenario.model import Scenario
from simulation.sizing.request import Units, day_meets, resolved
from simulation.sizing.search import (
    BandAnswer,
    SizingRequest,
    SizingSpec,
    recheck_days,
    sizing_spec,
)
from simulation.sizing.stats import mean_interval

__all__ = ["FRESH_SEED_OFFSET", "BandCheck", "confirm_bands", "confirmation_summary"]

FRESH_SEED_OFFSET = 1_000_003  # fresh days: the search's seed plus this (a prime, far away)
# Lost votes come in rare bursts (a terminal failing at a one-terminal station): fewer fresh
# days than this confirm nothing (seen on Azerbaijan: 5 days let 667 cut stations through).
MIN_FRESH_DAYS = 20
Day = tuple[bool, int, float]  # (meets the standard, lost votes, last out after closing min)


@dataclass(frozen=True)
class BandCheck:
    """One band's fresh days with today's hardware and with the recommendation."""

    now: list[Day]
    recommended: list[Day]


def _days(scenario: Scenario, spec: SizingSpec, station: int, hw: Units,
          seed: int) -> list[Day]:
    stations = roster(scenario, spec.roster_key)
    days = recheck_days(scenario, stations, station, hw, spec.request, seed=seed)
    return [(day_meets(d, spec.request), d.lost_votes, d.last_voter_left_after_close_min)
            for d in days]


def _confirm_task(spec: SizingSpec, number: int, rows: list[tuple[int, Units, Units]],
                  seed: int) -> tuple[int, list[BandCheck]]:
    return number, [BandCheck(_days(spec.scenario, spec, s, now, seed),
                              _days(spec.scenario, spec, s, rec, seed)) for s, now, rec in rows]


def confirm_bands(
    scenario: Scenario,
    answers: Sequence[BandAnswer],
    current: Sequence[Units],
    request: SizingRequest,
    *,
    seed: int,
    workers: int | None = None,
    pool: TaskPool | None = None,
) -> list[BandCheck]:
    """Each band's representative with ``current[k]`` and its recommendation on fresh days."""
    days = max(request.replications, MIN_FRESH_DAYS)
    spec = sizing_spec(scenario, replace(resolved(scenario, request), floors={},
                                         replications=days))
    rows = [(a.representative, now, a.units) for a, now in zip(answers, current, strict=True)]
    step = 20  # bands per job: each band is two hardware sets on many fresh days
    return run_chunked(_confirm_task, spec, rows, step, seed, workers=workers, pool=pool)


def _side(answers: Sequence[BandAnswer], checks: Sequence[BandCheck], which: str,
          confidence: float, close_limit_min: float) -> dict[str, Any]:
    """National figures of one hardware set on the fresh days, each band's representative
    counted once per station of the band."""
    weights = np.array([len(a.stations) for a in answers], dtype=np.float64)
    days = [getattr(c, which) for c in checks]
    n_days = len(days[0]) if days else 0
    lost = np.array([[d[1] for d in band] for band in days], dtype=np.float64)
    national = weights @ lost if len(days) else np.zeros(n_days)  # lost votes, each fresh day
    mean, low, high = mean_interval([float(v) for v in national]) if n_days > 1 else (
        float(national.sum()), float(national.sum()), float(national.sum()))
    meets = np.array([np.mean([d[0] for d in band]) >= confidence for band in days])
    last = np.array([np.percentile([d[2] for d in band], 95) for band in days])
    return {
        "lost_votes_per_day": round(mean, 1),
        "lost_votes_per_day_interval": [round(max(0.0, low), 1), round(high, 1)],
        "stations_meeting_standard": int(weights[meets].sum()) if len(days) else 0,
        "last_out_after_close_p95_max_min": round(float(last.max(initial=-1e9)), 1)
        if len(days) else None,
        "stations_last_out_late": int(weights[last > close_limit_min].sum()) if len(days) else 0,
    }


def band_flags(answers: Sequence[BandAnswer], current: Sequence[Units],
               checks: Sequence[BandCheck]) -> list[dict[str, Any]]:
    """Per band: fresh-day figures and whether the recommendation cuts hardware at a station
    that then loses more votes than today on the same fresh days."""
    out = []
    for answer, now, check in zip(answers, current, checks, strict=True):
        today = dict(now)
        cuts = any(n < today[p] for p, n in answer.units)
        lost_now = float(np.mean([d[1] for d in check.now]))
        lost_rec = float(np.mean([d[1] for d in check.recommended]))
        met_now = float(np.mean([d[0] for d in check.now]))
        met_rec = float(np.mean([d[0] for d in check.recommended]))
        out.append({
            "fresh_met_share": round(met_rec, 3),
            "fresh_met_share_now": round(met_now, 3),
            "cut_meets_less": bool(cuts and met_rec < met_now),
            "fresh_lost_votes_now": round(lost_now, 2),
            "fresh_lost_votes_recommended": round(lost_rec, 2),
            "cut_loses_votes": bool(cuts and lost_rec > lost_now),
        })
    return out


def confirmation_summary(
    scenario: Scenario, answers: Sequence[BandAnswer], current: Sequence[Units],
    checks: Sequence[BandCheck], request: SizingRequest, seed: int,
) -> dict[str, Any]:
    """The national and per-group comparison a planner reads before any hardware change."""
    limit = scenario.standard.last_out_after_close_max_min
    flags = band_flags(answers, current, checks)

    def compare(keep: list[int]) -> dict[str, Any]:
        a = [answers[k] for k in keep]
        c = [checks[k] for k in keep]
        now = _side(a, c, "now", request.confidence, limit)
        rec = _side(a, c, "recommended", request.confidence, limit)
        weights = np.array([len(x.stations) for x in a], dtype=np.float64)
        diff = [float(weights @ np.array([b.recommended[r][1] - b.now[r][1] for b in c]))
                for r in range(len(c[0].now))] if c else [0.0]
        change, low, high = mean_interval(diff) if len(diff) > 1 else (diff[0],) * 3
        return {
            "stations": int(weights.sum()),
            "now": now,
            "recommended": rec,
            "lost_votes_change_per_day": round(change, 1),
            "lost_votes_change_interval": [round(low, 1), round(high, 1)],
            # Not more lost votes than today: the paired interval reaches zero or below.
            "no_more_lost_votes": bool(low <= 0.0),
            "stations_cut_losing_votes": int(sum(len(answers[k].stations) for k in keep
                                                 if flags[k]["cut_loses_votes"])),
        }

    everyone = list(range(len(answers)))
    groups = []
    for g, group in enumerate(scenario.station_groups):
        mine = [k for k in everyone if answers[k].group == g]
        if mine:
            groups.append({"group": group.name, **compare(mine)})
    return {
        "seed": seed,
        "days": len(checks[0].now) if checks else 0,
        "method": "each band's largest station on fresh days (another seed), today's hardware "
        "and the recommendation on the same days, counted once per station of its band",
        **compare(everyone),
        "groups": groups,
    }
