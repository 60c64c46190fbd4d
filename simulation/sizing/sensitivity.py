"""What-if variants of a scenario for the sizing sensitivity table.

Every case makes the day harder, so none can need less hardware than the base case: each
is sized from the base answer up, on the same days (common random numbers), and reported
with the change it makes to the p95 wait at the base recommendation and that change's
interval, so a case that needs no more hardware still shows what it costs in waiting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from simulation.scenario.distributions import Fixed, Gamma
from simulation.scenario.model import Failures, Scenario
from simulation.sizing.search import BandAnswer, SizingRequest
from simulation.sizing.stats import mean_interval


def slower_scans(scenario: Scenario, factor: float = 1.2) -> Scenario:
    bio = scenario.biometrics
    if bio.modalities:
        chain = [
            m.model_copy(update={"time_per_attempt_s": m.time_per_attempt_s.scaled(factor)})
            for m in bio.modalities
        ]
        return scenario.model_copy(
            update={"biometrics": bio.model_copy(update={"modalities": chain})}
        )
    assert bio.scan_time_s is not None
    return scenario.model_copy(
        update={
            "biometrics": bio.model_copy(update={"scan_time_s": bio.scan_time_s.scaled(factor)})
        }
    )


def worse_recognition(scenario: Scenario, points: float = 0.10) -> Scenario:
    """Every modality's per-attempt success (and every voter group's) lower by ``points``."""
    bio = scenario.biometrics

    def lower(p: float) -> float:
        return max(0.01, p - points)

    groups = [
        g.model_copy(
            update={"success_probability": {k: lower(v) for k, v in g.success_probability.items()}}
        )
        for g in scenario.voter_groups
    ]
    if bio.modalities:
        chain = [
            m.model_copy(update={"success_probability": lower(m.success_probability)})
            for m in bio.modalities
        ]
        new_bio = bio.model_copy(update={"modalities": chain})
    else:
        assert bio.success_probability is not None
        new_bio = bio.model_copy(update={"success_probability": lower(bio.success_probability)})
    return scenario.model_copy(update={"biometrics": new_bio, "voter_groups": groups})


def higher_turnout(scenario: Scenario, points: float = 0.10) -> Scenario:
    arrivals = scenario.arrivals
    turnout = min(0.99, arrivals.turnout + points)
    # Keep the spread feasible for the new mean (sd^2 < t(1-t)).
    sd = min(arrivals.turnout_sd, 0.9 * (turnout * (1 - turnout)) ** 0.5)
    return scenario.model_copy(
        update={"arrivals": arrivals.model_copy(update={"turnout": turnout, "turnout_sd": sd})}
    )


def slow_central(scenario: Scenario, latency_s: float = 1.0) -> Scenario:
    central = scenario.central
    return scenario.model_copy(
        update={
            "central": central.model_copy(
                update={"latency_s": Fixed(kind="fixed", value=latency_s)}
            )
        }
    )


def more_failures(scenario: Scenario, factor: float = 2.0) -> Scenario:
    """Terminals fail twice as often (half the MTBF); a scenario without failures gets the
    day's length as MTBF (about one failure per terminal-day) and one-hour repairs."""
    failures = scenario.failures
    if failures.mtbf_h is None:
        changed = Failures(mtbf_h=scenario.election.day_s / 3600,
                           repair_time_min=Gamma(kind="gamma", mean_value=60, sd=20))
    else:
        changed = failures.model_copy(update={"mtbf_h": failures.mtbf_h / factor})
    return scenario.model_copy(update={"failures": changed})


VARIANTS: dict[str, Callable[[Scenario], Scenario]] = {
    "scan time 20 % slower": slower_scans,
    "scan success probability 10 points lower": worse_recognition,
    "turnout 10 points higher": higher_turnout,
    "central check-in latency 1 s": slow_central,
    "terminal failures twice as often": more_failures,
}


def with_floors(request: SizingRequest, base: list[BandAnswer]) -> SizingRequest:
    """The request for a what-if: every case here can only make the day harder, so no band
    may need less than its base answer; the search starts there (same days as the base)."""
    return replace(request, floors={a.representative: a.units for a in base})


def paired_change(base: list[BandAnswer], variant: list[BandAnswer]) -> dict[str, Any]:
    """What the what-if does to the p95 wait at the base recommendation, station-weighted,
    paired day by day (common random numbers), with a t interval over the days."""
    at_base = {a.representative: a for a in base}
    per_day: list[float] = []
    stations = 0
    for answer in variant:
        before = at_base[answer.representative].final.p95_wait_min
        assert answer.at_floor is not None, "a what-if is sized with floors"
        after = answer.at_floor.p95_wait_min
        if len(after) != len(before):  # a base band re-searched on more (other) days
            continue
        weight = len(answer.stations)
        stations += weight
        diffs = [weight * (a - b) for a, b in zip(after, before, strict=True)]
        per_day = [x + d for x, d in zip(per_day, diffs, strict=True)] if per_day else diffs
    mean, low, high = mean_interval([d / max(stations, 1) for d in per_day])
    more = sum(1 for a in variant
               if a.units != at_base[a.representative].units)
    return {
        "p95_wait_change_min": round(mean, 3),
        "p95_wait_change_ci_min": [round(low, 3), round(high, 3)],
        "bands_needing_more": more,
        "bands": len(variant),
    }
