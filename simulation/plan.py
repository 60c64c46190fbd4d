"""Draw one station's day from the scenario: who comes when, and how long each step takes.

Each kind of draw uses its own stream (see :mod:`simulation.streams`), keyed by the
station's index and the replication, so results do not depend on which process runs the
station, and a change of hardware leaves every draw unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.distributions import Distribution
from simulation.scenario import Scenario, minutes_of_day
from simulation.station_input import StationInput
from simulation.stations import StationTable
from simulation.streams import Stream, station_rng

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Hardware:
    terminals: int
    desks: int
    booths: int


@dataclass(frozen=True)
class StationPlan:
    """A station's drawn day: the engine input plus who each arriving person is."""

    input: StationInput
    voter_index: IntArray  # index in the station's register; -1 for duplicate attempts
    turnout_expected: float


def _seconds_since_opening(scenario: Scenario, minutes: float) -> float:
    return (minutes - minutes_of_day(scenario.election.opening)) * 60


def _beta_turnout(mean: float, sd: float, rng: np.random.Generator) -> float:
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
        start_s = _seconds_since_opening(scenario, minutes_of_day(interval.start))
        end_s = _seconds_since_opening(scenario, minutes_of_day(interval.end))
        count = rng.poisson(spread * interval.share)
        parts.append(rng.uniform(start_s, end_s, size=count))
    return np.sort(np.concatenate(parts))


def _scan_times(
    scenario: Scenario, n: int, *, rng: np.random.Generator
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Time at the terminal for scanning (all attempts, plus the manual fallback)."""
    bio = scenario.biometrics
    if bio.success_probability == 0:  # readers down: every voter uses all attempts, fails
        attempts_needed = np.full(n, bio.max_attempts + 1, dtype=np.int64)
    else:
        attempts_needed = rng.geometric(bio.success_probability, size=n)
    recognised = attempts_needed <= bio.max_attempts
    attempts = np.minimum(attempts_needed, bio.max_attempts)
    per_attempt = bio.scan_time_s.sample(n * bio.max_attempts, rng=rng)
    per_attempt = per_attempt.reshape(n, bio.max_attempts)
    used = np.arange(bio.max_attempts)[None, :] < attempts[:, None]
    scan_s = (per_attempt * used).sum(axis=1)
    if bio.fallback == "manual":
        assert bio.manual_time_s is not None
        manual_s = bio.manual_time_s.sample(n, rng=rng)
        scan_s = scan_s + np.where(recognised, 0.0, manual_s)
        return scan_s, np.ones(n, dtype=np.bool_)
    return scan_s, recognised


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


def _up_and_repair_times(
    scenario: Scenario, terminals: int, close_s: float, *, rng: np.random.Generator
) -> tuple[list[list[float]], list[list[float]]]:
    failures = scenario.failures
    if failures.mtbf_h is None or failures.repair_time_min is None:
        return [], []
    ups, repairs = [], []
    for _ in range(terminals):
        up: list[float] = []
        while sum(up) < close_s:
            up.extend(rng.exponential(failures.mtbf_h * 3600, size=4).tolist())
        ups.append(up)
        repairs.append((failures.repair_time_min.sample(len(up), rng=rng) * 60).tolist())
    return ups, repairs


def _outages(
    scenario: Scenario, group: str, *, rng: np.random.Generator
) -> list[tuple[float, float]]:
    windows = []
    for outage in scenario.central.outages:
        hit = rng.random() < outage.share  # drawn for every outage so streams stay aligned
        if hit and outage.group in (None, group):
            windows.append(
                (
                    _seconds_since_opening(scenario, minutes_of_day(outage.start)),
                    _seconds_since_opening(scenario, minutes_of_day(outage.end)),
                )
            )
    return windows


def plan_station(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    *,
    replication: int = 0,
    seed: int | None = None,
    hardware: Hardware | None = None,
    central_latency_s: Distribution | None = None,
) -> StationPlan:
    """Draw station ``station``'s day. ``hardware`` and ``central_latency_s`` override the
    scenario (sizing searches, the closed loop) without changing any other draw."""
    root = scenario.election.seed if seed is None else seed

    def rng(stream: Stream) -> np.random.Generator:
        return station_rng(stream, station, replication, root)

    group = scenario.station_groups[int(stations.group[station])]
    registered = int(stations.registered[station])
    close_s = scenario.election.day_s
    turnout = _beta_turnout(
        scenario.arrivals.turnout, scenario.arrivals.turnout_sd, rng(Stream.TURNOUT)
    )

    duplicate_share = scenario.arrivals.duplicate_share
    arrivals_rng = rng(Stream.ARRIVALS)
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
    n = len(arrival_s)
    voter_index = np.full(n, -1, dtype=np.int64)
    voter_index[~duplicate] = rng(Stream.VOTER_IDS).choice(
        registered, size=int((~duplicate).sum()), replace=False
    )

    checkin_rng = rng(Stream.CHECKIN)
    scan_s, biometric_ok = _scan_times(scenario, n, rng=checkin_rng)
    biometric_ok = biometric_ok | duplicate  # refused as duplicates, not for their thumbs
    central = scenario.central
    call_s, call_ok = central_call_times(
        central_latency_s or central.latency_s,
        central.timeout_s,
        central.retries,
        n,
        rng=rng(Stream.CENTRAL),
    )
    voting_rng = rng(Stream.VOTING)
    ballot_s = scenario.voting.ballot_time_s.sample(n, rng=voting_rng)
    booth_s = scenario.voting.booth_time_s.sample(n, rng=voting_rng)
    patience = scenario.voting.patience_min
    patience_s = (
        np.full(n, np.inf)
        if patience is None
        else patience.sample(n, rng=rng(Stream.PATIENCE)) * 60
    )
    hw = hardware or Hardware(
        int(stations.terminals[station]),
        int(stations.desks[station]),
        int(stations.booths[station]),
    )
    up_s, repair_s = _up_and_repair_times(scenario, hw.terminals, close_s, rng=rng(Stream.FAILURES))
    counting_rng = rng(Stream.COUNTING)
    counting = scenario.counting
    online = group.connectivity == "online"
    inp = StationInput(
        arrival_s=arrival_s,
        duplicate=duplicate,
        biometric_ok=biometric_ok,
        scan_s=scan_s,
        call_s=call_s if online else np.zeros(n),
        call_ok=call_ok if online else np.ones(n, dtype=np.bool_),
        ballot_s=ballot_s,
        booth_s=booth_s,
        patience_s=patience_s,
        terminals=hw.terminals,
        desks=hw.desks,
        booths=hw.booths,
        close_s=close_s,
        serve_queue_at_close=scenario.closing.serve_queue,
        online=online,
        outages_s=_outages(scenario, group.name, rng=rng(Stream.OUTAGES)) if online else [],
        buffer_flush_s=central.buffer_flush_min * 60,
        up_s=up_s,
        repair_s=repair_s,
        count_setup_s=float(counting.setup_min.sample(1, rng=counting_rng)[0]) * 60,
        count_per_ballot_s=counting.per_ballot_s,
        upload_delay_s=float(counting.upload_delay_min.sample(1, rng=counting_rng)[0]) * 60,
    )
    return StationPlan(input=inp, voter_index=voter_index, turnout_expected=turnout)
