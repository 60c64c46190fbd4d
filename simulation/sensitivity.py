"""What-if variants of a scenario for the sizing sensitivity table."""

from __future__ import annotations

from collections.abc import Callable

from simulation.distributions import Fixed
from simulation.scenario import Scenario


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


VARIANTS: dict[str, Callable[[Scenario], Scenario]] = {
    "scan time 20 % slower": slower_scans,
    "scan success probability 10 points lower": worse_recognition,
    "turnout 10 points higher": higher_turnout,
    "central check-in latency 1 s": slow_central,
}
