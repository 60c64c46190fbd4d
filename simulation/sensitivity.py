"""What-if variants of a scenario for the sizing sensitivity table."""

from __future__ import annotations

from collections.abc import Callable

from simulation.distributions import Fixed
from simulation.scenario import Scenario


def slower_scans(scenario: Scenario, factor: float = 1.2) -> Scenario:
    bio = scenario.biometrics
    return scenario.model_copy(
        update={
            "biometrics": bio.model_copy(update={"scan_time_s": bio.scan_time_s.scaled(factor)})
        }
    )


def worse_recognition(scenario: Scenario, points: float = 0.10) -> Scenario:
    bio = scenario.biometrics
    p = max(0.01, bio.success_probability - points)
    return scenario.model_copy(
        update={"biometrics": bio.model_copy(update={"success_probability": p})}
    )


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
