"""Who comes to a station and when: the day's turnout, arrival times, duplicate attempts and
which registered voter each arrival is."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.model import Scenario, minutes_of_day

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def seconds_since_opening(scenario: Scenario, minutes: float) -> float:
    return (minutes - minutes_of_day(scenario.election.opening)) * 60


def draw_turnout(mean: float, sd: float, rng: np.random.Generator) -> float:
    """The station's turnout, beta-distributed around ``mean`` (exactly ``mean`` at sd 0)."""
    if sd == 0:
        return mean
    k = mean * (1 - mean) / sd**2 - 1
    return float(rng.beta(mean * k, (1 - mean) * k))


def draw_arrivals(
    scenario: Scenario, expected_people: float, *, rng: np.random.Generator
) -> FloatArray:
    """Non-homogeneous Poisson arrivals: a Poisson count per interval placed uniformly in it.

    The opening queue is a Poisson count at time 0 (people already in line).
    """
    arrivals = scenario.arrivals
    at_opening = rng.poisson(expected_people * arrivals.queue_at_opening_share)
    parts = [np.zeros(at_opening)]
    spread = expected_people * (1 - arrivals.queue_at_opening_share)
    for interval in arrivals.intervals:
        start_s = seconds_since_opening(scenario, minutes_of_day(interval.start))
        end_s = seconds_since_opening(scenario, minutes_of_day(interval.end))
        count = rng.poisson(spread * interval.share)
        parts.append(rng.uniform(start_s, end_s, size=count))
    return np.sort(np.concatenate(parts))


def draw_voters(
    scenario: Scenario,
    registered: int,
    turnout: float,
    *,
    arrivals_rng: np.random.Generator,
    voter_ids_rng: np.random.Generator,
) -> tuple[FloatArray, NDArray[np.bool_], IntArray]:
    """Arrival times, duplicate attempts and register indices (ARRIVALS, VOTER_IDS)."""
    duplicate_share = scenario.arrivals.duplicate_share
    arrival_s = draw_arrivals(
        scenario, registered * turnout / (1 - duplicate_share), rng=arrivals_rng
    )
    duplicate = arrivals_rng.random(len(arrival_s)) < duplicate_share
    excess = int((~duplicate).sum()) - registered
    if excess > 0:  # more voters than the register holds: drop the surplus at random
        drop = arrivals_rng.choice(np.flatnonzero(~duplicate), size=excess, replace=False)
        keep = np.ones(len(arrival_s), dtype=np.bool_)
        keep[drop] = False
        arrival_s, duplicate = arrival_s[keep], duplicate[keep]
    voter_index = np.full(len(arrival_s), -1, dtype=np.int64)
    voter_index[~duplicate] = voter_ids_rng.choice(
        registered, size=int((~duplicate).sum()), replace=False
    )
    return arrival_s, duplicate, voter_index
