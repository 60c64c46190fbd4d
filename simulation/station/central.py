"""The central service as a station's terminals meet it: how long each call takes (client
timeout and retries) and the outage windows that hit the station."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.distributions import Distribution
from simulation.scenario.model import Scenario, minutes_of_day
from simulation.station.arrivals import seconds_since_opening

FloatArray = NDArray[np.float64]


def central_call_times(
    latency_s: Distribution, timeout_s: float, retries: int, n: int, *, rng: np.random.Generator
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Time a terminal waits for the central service, with client timeout and retries."""
    tries = retries + 1
    latency = latency_s.sample(n * tries, rng=rng).reshape(n, tries)
    answered = latency <= timeout_s
    ok = answered.any(axis=1)
    first = np.argmax(answered, axis=1)
    answered_latency = latency[np.arange(n), first]
    call_s = np.where(ok, first * timeout_s + answered_latency, tries * timeout_s)
    return call_s.astype(np.float64), np.asarray(ok, dtype=np.bool_)


def draw_outages(
    scenario: Scenario, group: str, *, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """The central outages that hit a station of ``group``: (start, end) seconds since opening."""
    windows = []
    for outage in scenario.central.outages:
        hit = rng.random() < outage.share  # drawn for every outage so streams stay aligned
        if hit and outage.group in (None, group):
            windows.append(
                (
                    seconds_since_opening(scenario, minutes_of_day(outage.start)),
                    seconds_since_opening(scenario, minutes_of_day(outage.end)),
                )
            )
    return windows
