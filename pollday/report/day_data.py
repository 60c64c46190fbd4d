"""Numbers behind the day section's plots, derived from a run folder's simulation outputs.

Times are minutes after the local opening (every station opens at its own local opening
time; stations abroad included). Counts are national sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pollday.report.run_folder import FloatArray, SimulationData
from simulation.national.summary_model import ArrivalsIn, TurnoutAt
from simulation.scenario.model import Scenario, minutes_of_day

_PROFILE_STEP_MIN = 5.0


@dataclass(frozen=True)
class DayProfile:
    opening_min: float  # local clock time of opening, minutes after midnight
    day_min: float  # opening to closing
    hour_start_min: FloatArray  # start of each full hour of the day
    arrivals: FloatArray  # simulated people arriving in each hour (duplicates included)
    checkins: FloatArray  # simulated voters checked in during each hour
    expected_arrivals: FloatArray  # the scenario's arrival profile, same people, same hours
    turnout_time_min: FloatArray  # opening, then the end of each hour
    turnout: FloatArray  # simulated cumulative turnout (share of registered) at those times
    expected_time_min: FloatArray
    expected_turnout: FloatArray  # scenario: turnout x cumulative arrival profile
    official_time_min: FloatArray  # the scenario's reference intraday turnout points
    official_turnout: FloatArray
    official_source: str


def _cumulative_profile(scenario: Scenario, t_min: FloatArray) -> FloatArray:
    """Expected share of the day's arrivals that have arrived by ``t_min`` after opening."""
    arrivals = scenario.arrivals
    opening = minutes_of_day(scenario.election.opening)
    share = np.full(len(t_min), arrivals.queue_at_opening_share, dtype=np.float64)
    spread = 1 - arrivals.queue_at_opening_share
    for interval in arrivals.intervals:
        start = minutes_of_day(interval.start) - opening
        end = minutes_of_day(interval.end) - opening
        done = np.clip((t_min - start) / (end - start), 0.0, 1.0)
        share += spread * interval.share * done
    return share


def _clock_min(hhmm: str) -> float:
    """Minutes after midnight of summary.json's "HH:MM" (a clock: past midnight it wraps)."""
    hours, minutes = hhmm.split(":")
    return float(int(hours) * 60 + int(minutes))


@dataclass(frozen=True)
class _DaySeries:
    """The summary's figures the day's plots draw, typed."""

    registered: float
    turnout: float
    arrivals_by_hour: list[ArrivalsIn]
    turnout_by_hour: list[TurnoutAt]


def _series(data: SimulationData) -> _DaySeries:
    day = data.day
    if day is not None:
        return _DaySeries(float(day.registered), day.turnout, day.arrivals_by_hour,
                          day.turnout_by_hour)
    # A file older than the models: its hours still read through the model's types.
    s = data.summary
    return _DaySeries(
        float(s["registered"]), float(s["turnout"]),
        [ArrivalsIn.model_validate(h) for h in s["arrivals_by_hour"]],
        [TurnoutAt.model_validate(h) for h in s.get("turnout_by_hour", [])])


def day_profile(data: SimulationData) -> DayProfile:
    scenario, series = data.scenario, _series(data)
    registered = series.registered
    opening = minutes_of_day(scenario.election.opening)
    day_min = scenario.election.day_s / 60
    arrivals = np.array([float(h.arrivals) for h in series.arrivals_by_hour])
    hours = len(arrivals)
    edges = np.arange(hours + 1, dtype=np.float64) * 60
    by_hour = series.turnout_by_hour
    # Turnout is reported at full local clock hours (09:00 ... after an 08:30 opening); the
    # bars count check-ins per hour from opening, read off that cumulative curve, and the
    # check-ins after the last full hour (and after closing) fall in the last bar.
    turnout_t = np.array([0.0] + [(_clock_min(h.time) - opening) % (24 * 60)
                                  for h in by_hour])
    turnout = np.array([0.0] + [float(h.cumulative_turnout) for h in by_hour])
    curve_t, curve = turnout_t, turnout
    if turnout_t[-1] < edges[-1]:  # a last, partial hour (07:00-19:30): the rest of the day
        curve_t = np.append(turnout_t, edges[-1])
        curve = np.append(turnout, series.turnout)
    checkins = np.diff(np.interp(edges, curve_t, curve)) * registered
    people = registered * scenario.arrivals.turnout / (1 - scenario.arrivals.duplicate_share)
    expected = np.diff(_cumulative_profile(scenario, edges)) * people
    expected[0] += people * scenario.arrivals.queue_at_opening_share  # in line at opening
    expected_t = np.arange(0, day_min + _PROFILE_STEP_MIN, _PROFILE_STEP_MIN)
    points = scenario.reference.intraday_turnout
    return DayProfile(
        opening_min=opening,
        day_min=day_min,
        hour_start_min=edges[:-1],
        arrivals=arrivals,
        checkins=checkins,
        expected_arrivals=expected,
        turnout_time_min=turnout_t,
        turnout=turnout,
        expected_time_min=expected_t,
        expected_turnout=scenario.arrivals.turnout * _cumulative_profile(scenario, expected_t),
        official_time_min=np.array([minutes_of_day(p.time) - opening for p in points]),
        official_turnout=np.array([p.turnout for p in points], dtype=np.float64),
        official_source=scenario.reference.source,
    )
