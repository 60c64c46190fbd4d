"""Analytic first guess for sizing: Erlang C on the busiest interval, plus the opening queue.

A pointwise-stationary screen: the station is treated as an M/M/c queue at the arrival rate
of its busiest interval, and the people already in line at opening must be cleared within
the wait target. The SimPy model then confirms or corrects the guess.
"""

from __future__ import annotations

import math

from simulation.identification import mean_scan_s
from simulation.queueing import erlang_c
from simulation.scenario import Scenario, minutes_of_day
from simulation.targets import Target

_MAX_SERVERS = 200


def mean_checkin_s(scenario: Scenario, online: bool) -> float:
    """Theoretical mean time a person holds a terminal."""
    return mean_scan_s(scenario) + (scenario.central.latency_s.mean if online else 0.0)


def peak_arrivals_per_s(scenario: Scenario, registered: int) -> float:
    arrivals = scenario.arrivals
    people = registered * arrivals.turnout / (1 - arrivals.duplicate_share)
    rates = [
        people
        * (1 - arrivals.queue_at_opening_share)
        * i.share
        / ((minutes_of_day(i.end) - minutes_of_day(i.start)) * 60)
        for i in arrivals.intervals
    ]
    return max(rates)


def servers_needed(
    arrivals_per_s: float, service_s: float, wait_target_s: float, exceed_probability: float
) -> int:
    """Smallest c with P(wait > target) <= exceed_probability in M/M/c."""
    if arrivals_per_s <= 0 or service_s <= 0:
        return 1
    load = arrivals_per_s * service_s
    for c in range(max(1, math.floor(load) + 1), _MAX_SERVERS):
        rate = c / service_s - arrivals_per_s
        if erlang_c(c, load) * math.exp(-rate * wait_target_s) <= exceed_probability:
            return c
    return _MAX_SERVERS


def first_guess(
    scenario: Scenario,
    registered: int,
    resource: str,
    online: bool,
    wait_target: Target | None,
    confidence: float,
) -> int:
    service_s = {
        "terminals": mean_checkin_s(scenario, online),
        "desks": scenario.voting.ballot_time_s.mean,
        "booths": scenario.voting.booth_time_s.mean,
    }[resource]
    rate = peak_arrivals_per_s(scenario, registered)
    limit_min = scenario.standard.wait_p95_max_min
    target_s = 60 * (wait_target.value if wait_target is not None else limit_min)
    guess = servers_needed(rate, service_s, target_s, 1 - confidence)
    if resource == "terminals":
        arrivals = scenario.arrivals
        opening_line = registered * arrivals.turnout * arrivals.queue_at_opening_share
        guess = max(guess, math.ceil(opening_line * service_s / max(target_s, 1.0)))
    return max(1, guess)
