"""Public load: readers of ``GET /v1/results`` and webcam viewers, as open-model streams.

Readers follow a reads-per-second curve over the simulated day and night, as a multiple of a
peak rate (``--results-rps``, in real requests per second of the test, after compression):

* during polling hours a base level (``--results-day-level`` of the peak) with a bump at each
  publication of turnout (the scenario's reference intraday turnout times, or every two hours
  when it has none) that decays with a 20-minute (simulated) time constant;
* after closing the rate rises to the peak over 30 simulated minutes and stays there while
  protocols come in (results move), then decays with a 30-minute time constant after the last
  protocol of the schedule.

Webcam viewers ask ``/v1/streams/{station}/snapshot`` of a random broadcasting station at a
constant rate (``--webcam-rps``) from opening to the last protocol (the count is watched too).

Both are Poisson processes (thinning of a homogeneous one at the peak rate): no synchronised
bursts. Each generator draws its own share (rate / workers) from its own stream, so workers
never repeat one another.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation import Scenario, build_stations
from simulation.clock import home_opening_s
from simulation.scenario.model import minutes_of_day

FloatArray = NDArray[np.float64]
PUBLICATION_DECAY_S = 20 * 60.0
PUBLICATION_BUMP = 0.5
NIGHT_RISE_S = 30 * 60.0
NIGHT_DECAY_S = 30 * 60.0
_READERS_STREAM = 0xBEAD
_VIEWERS_STREAM = 0xCA3


def home_timeline(scenario: Scenario) -> tuple[float, float]:
    """(opening, closing) of the home country in schedule seconds (from the earliest opening)."""
    stations = build_stations(scenario)
    election = scenario.election
    opening_s = home_opening_s(stations.utc_offset_min, election.utc_offset_h)
    return opening_s, opening_s + election.day_s


def publications_s(scenario: Scenario) -> list[float]:
    """Turnout publication times in schedule seconds."""
    opening_s, closing_s = home_timeline(scenario)
    opening_min = minutes_of_day(scenario.election.opening)
    points = scenario.reference.intraday_turnout
    if points:
        return [opening_s + (minutes_of_day(p.time) - opening_min) * 60 for p in points]
    return [float(t) for t in np.arange(opening_s + 7200, closing_s + 1, 7200)]


def results_multiplier(t_s: FloatArray, scenario: Scenario, last_protocol_s: float,
                       day_level: float) -> FloatArray:
    """Reads per second at schedule time ``t_s`` as a share of the peak (0..1)."""
    _, closing_s = home_timeline(scenario)
    m = np.full(t_s.shape, day_level, dtype=np.float64)
    for p in publications_s(scenario):
        since = t_s - p
        m += np.where(since >= 0, PUBLICATION_BUMP * np.exp(-np.maximum(since, 0)
                                                             / PUBLICATION_DECAY_S), 0.0)
    night = t_s >= closing_s
    rise = day_level + (1 - day_level) * np.clip((t_s - closing_s) / NIGHT_RISE_S, 0, 1)
    after = np.maximum(t_s - max(last_protocol_s, closing_s), 0)
    m = np.where(night, rise * np.exp(-after / NIGHT_DECAY_S), m)
    return np.clip(m, 0.0, 1.0)


def _poisson(rate_rps: float, duration_s: float, rng: np.random.Generator) -> FloatArray:
    if rate_rps <= 0 or duration_s <= 0:
        return np.empty(0)
    n = int(rng.poisson(rate_rps * duration_s))
    return np.sort(rng.uniform(0.0, duration_s, n))


def results_reads(scenario: Scenario, *, peak_rps: float, day_level: float, compress: float,
                  last_protocol_s: float, worker: int, workers: int) -> FloatArray:
    """This generator's read times of ``GET /v1/results``, in replay seconds."""
    rng = np.random.default_rng([_READERS_STREAM, worker, workers, scenario.election.seed])
    end_s = max(last_protocol_s, home_timeline(scenario)[1]) + 2 * NIGHT_DECAY_S
    candidates = _poisson(peak_rps / workers, end_s / compress, rng)
    keep = rng.uniform(0, 1, len(candidates)) < results_multiplier(
        candidates * compress, scenario, last_protocol_s, day_level)
    times: FloatArray = candidates[keep]
    return times


def webcam_views(scenario: Scenario, *, rps: float, compress: float, last_protocol_s: float,
                 worker: int, workers: int) -> FloatArray:
    """This generator's snapshot request times, in replay seconds."""
    rng = np.random.default_rng([_VIEWERS_STREAM, worker, workers, scenario.election.seed])
    opening_s, closing_s = home_timeline(scenario)
    end_s = max(last_protocol_s, closing_s)
    return opening_s / compress + _poisson(rps / workers, (end_s - opening_s) / compress, rng)
