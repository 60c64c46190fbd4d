"""Analytic first guess for sizing: Erlang C on the busiest interval, plus the opening queue.

A pointwise-stationary screen: the station is treated as an M/M/c queue at the arrival rate
of its busiest interval, and the people already in line at opening must be cleared within
the wait target. The SimPy model then confirms or corrects the guess.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.scenario.model import Scenario, minutes_of_day
from simulation.sizing.queueing import erlang_c
from simulation.sizing.targets import Target
from simulation.station.identification import mean_scan_s
from simulation.station.plan import StationPlan

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


def mean_hold_s(plan: StationPlan, pool: str) -> float:
    """Mean time one arriving person holds a unit of ``pool`` on this drawn day: the
    identification stage's scan and central call, another stage's service time; a unit kept
    into later stages (``keep_unit``) is held through the stages in between."""
    inp = plan.input
    n = inp.size
    if n == 0:
        return 0.0
    flow = inp.flow
    if flow is None:
        held = {"terminal": inp.scan_s + inp.call_s, "desk": inp.ballot_s,
                "booth": inp.booth_s}[pool]
        return float(np.nansum(held)) / n
    pools = [name for name, _ in flow.pools]
    total = 0.0
    for r, route in enumerate(flow.routes):
        mine = flow.route == r
        on_pool = [k for k in route if pools[flow.stages[k].pool] == pool]
        if not on_pool or not mine.any():
            continue
        kept = any(flow.stages[k].keep_unit for k in on_pool)
        span = route[route.index(on_pool[0]): route.index(on_pool[-1]) + 1] if kept else on_pool
        for k in span:
            stage = flow.stages[k]
            times = inp.scan_s + inp.call_s if stage.identification else stage.service_s
            total += float(np.nansum(np.asarray(times)[mine]))
    return total / n


def first_guess(
    scenario: Scenario,
    plan: StationPlan,
    registered: int,
    pool: str,
    wait_target: Target | None,
    confidence: float,
) -> int:
    """Units of ``pool`` an M/M/c queue at the busiest interval's rate needs, plus (for the
    pool that identifies) clearing the opening line within the wait limit."""
    service_s = mean_hold_s(plan, pool)
    rate = peak_arrivals_per_s(scenario, registered)
    limit_min = scenario.standard.wait_p95_max_min
    target_s = 60 * (wait_target.value if wait_target is not None else limit_min)
    guess = servers_needed(rate, service_s, target_s, 1 - confidence)
    if pool == identification_pool(scenario):
        arrivals = scenario.arrivals
        opening_line = registered * arrivals.turnout * arrivals.queue_at_opening_share
        guess = max(guess, math.ceil(opening_line * service_s / max(target_s, 1.0)))
    return max(1, guess)


def identification_pool(scenario: Scenario) -> str:
    """The pool of the stage that identifies voters ("terminal" in the default flow)."""
    return next((s.pool for s in scenario.flow if s.kind == "identification"), "terminal")
