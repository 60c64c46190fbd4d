"""A station's drawn day (simulation/station/plan.py) and the roster's sizes
(simulation/stations.py).

Deterministic distributions give exact values; random ones are checked against their
probabilities with tolerances from the sample size.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from simulation import (
    EventKind,
    Scenario,
    Status,
    build_stations,
    parse_scenario,
    plan_station,
    run_station,
    simulate_station,
)
from simulation.scenario.distributions import Empirical, Fixed
from simulation.station.central import central_call_times
from tests.simulation.conftest import SMOKE

Edit = Callable[[dict[str, Any]], None]


def _scenario(*edits: Edit) -> Scenario:
    """smoke.toml with ``edits`` applied to its parsed TOML."""
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    for edit in edits:
        edit(data)
    return parse_scenario(data)


def _fixed(value: float) -> dict[str, Any]:
    return {"kind": "fixed", "value": value}


def _no_failures(data: dict[str, Any]) -> None:
    del data["failures"]


def _no_outages(data: dict[str, Any]) -> None:
    data["central"]["outages"] = []


def _one_big_station_group(data: dict[str, Any]) -> None:
    # Group 0 (online) holds 4,000 registered voters per station: thousands of draws.
    group = data["station_groups"][0]
    group.update(registered=_fixed(4000), registered_max=4000)


def _biometrics(probability: float, fallback: str, max_attempts: int = 4) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data["biometrics"] = {
            "scan_time_s": _fixed(10),
            "success_probability": probability,
            "max_attempts": max_attempts,
            "fallback": fallback,
        }
        if fallback == "manual":
            data["biometrics"]["manual_time_s"] = _fixed(60)

    return edit


def _within(count: int, n: int, p: float) -> bool:
    """``count`` of ``n`` is within four binomial standard deviations of ``n * p``."""
    return abs(count - n * p) <= 4 * math.sqrt(n * p * (1 - p))


# -- the central check-in call ------------------------------------------------------------


def test_call_answered_in_time_takes_its_latency() -> None:
    call_s, ok = central_call_times(
        Fixed(kind="fixed", value=0.2), 3.0, 2, 5, rng=np.random.default_rng(1)
    )
    assert call_s.tolist() == [0.2] * 5
    assert ok.all()


@pytest.mark.parametrize(("retries", "waited_s"), [(0, 5.0), (2, 15.0)])
def test_call_that_always_times_out_waits_the_timeout_on_every_try(
    retries: int, waited_s: float
) -> None:
    call_s, ok = central_call_times(
        Fixed(kind="fixed", value=7), 5.0, retries, 4, rng=np.random.default_rng(1)
    )
    assert call_s.tolist() == [waited_s] * 4
    assert not ok.any()


def test_call_answered_on_a_retry_waits_the_timeouts_before_it() -> None:
    # Each try answers in 1 s or 9 s (above the 5 s timeout), each with probability 1/2.
    n = 20_000
    latency = Empirical(kind="empirical", values=[1.0, 9.0])
    call_s, ok = central_call_times(latency, 5.0, 2, n, rng=np.random.default_rng(3))
    # 1 s (first try), 5 + 1 (second), 5 + 5 + 1 (third), or 3 timeouts and no answer.
    expected = {1.0: 1 / 2, 6.0: 1 / 4, 11.0: 1 / 8, 15.0: 1 / 8}
    assert set(np.unique(call_s).tolist()) == set(expected)
    assert np.array_equal(ok, call_s < 15.0)
    for value, p in expected.items():
        assert _within(int((call_s == value).sum()), n, p), value


def test_timed_out_check_in_is_buffered_to_the_next_flush_and_misses_duplicates() -> None:
    def slow_central(data: dict[str, Any]) -> None:
        data["central"].update(latency_s=_fixed(7), timeout_s=5, retries=2, buffer_flush_min=5)
        data["arrivals"]["duplicate_share"] = 0.1

    scenario = _scenario(slow_central, _no_failures, _no_outages)
    stations = build_stations(scenario)
    plan = plan_station(scenario, stations, 0)  # an online station
    inp = plan.input
    assert inp.call_s.tolist() == [15.0] * inp.size and not inp.call_ok.any()
    out = run_station(inp)
    served = ~np.isnan(out.start_s)
    # The terminal is held for the scans and the three timed-out tries.
    assert np.allclose((out.checkin_end_s - out.start_s)[served], inp.scan_s[served] + 15.0)
    assert np.allclose(out.call_at_s[served], out.start_s[served] + inp.scan_s[served])
    flush_s = 300.0
    expected_sync_s = np.ceil(out.checkin_end_s[served] / flush_s) * flush_s
    assert np.array_equal(out.buffered_until_s[served], expected_sync_s)
    # The station never heard back, so duplicate attempts vote and are found at sync.
    duplicates = inp.duplicate & served
    assert duplicates.sum() > 0
    assert (out.status[duplicates] == Status.DUPLICATE_VOTED).all()
    # The schedule holds each check-in's first send, at the call time (docs/model.md: the
    # retries and the later sync reuse its Idempotency-Key and are the load generator's).
    rows = simulate_station(scenario, stations, 0, replication=0, seed=42).rows
    sent = np.isin(rows["kind"], (EventKind.CHECKIN, EventKind.DUPLICATE))
    assert not np.isin(rows["kind"], (EventKind.SYNC_CHECKIN, EventKind.SYNC_DUPLICATE)).any()
    assert np.array_equal(rows["time_s"][sent], np.sort(out.call_at_s[served]))


def test_offline_station_makes_no_call() -> None:
    scenario = _scenario()
    stations = build_stations(scenario)
    offline = int(np.flatnonzero(~stations.online)[0])
    inp = plan_station(scenario, stations, offline).input
    assert inp.size > 0
    assert not inp.call_s.any() and inp.call_ok.all()


# -- scan attempts and fallback -----------------------------------------------------------


def test_certain_recognition_takes_one_attempt() -> None:
    scenario = _scenario(_biometrics(1.0, "refuse"), _one_big_station_group)
    inp = plan_station(scenario, build_stations(scenario), 0).input
    assert inp.size > 2000
    assert inp.scan_s.tolist() == [10.0] * inp.size
    assert inp.biometric_ok.all()


def test_no_recognition_with_manual_fallback_takes_every_attempt_then_the_manual_check() -> None:
    scenario = _scenario(_biometrics(0.0, "manual"), _one_big_station_group)
    inp = plan_station(scenario, build_stations(scenario), 0).input
    assert inp.scan_s.tolist() == [4 * 10.0 + 60.0] * inp.size
    assert inp.biometric_ok.all()


def test_no_recognition_with_refusal_turns_every_voter_away() -> None:
    scenario = _scenario(_biometrics(0.0, "refuse"), _no_failures, _no_outages)
    inp = plan_station(scenario, build_stations(scenario), 0).input
    assert inp.scan_s.tolist() == [4 * 10.0] * inp.size
    # Only duplicate attempts count as "recognised": they are refused as duplicates instead.
    assert np.array_equal(inp.biometric_ok, inp.duplicate)
    out = run_station(inp)
    voters = ~inp.duplicate & ~np.isnan(out.start_s)
    assert voters.sum() > 100
    assert (out.status[voters] == Status.REFUSED_BIOMETRIC).all()
    assert not (out.status == Status.VOTED).any()


def test_attempts_until_recognised_then_fallback() -> None:
    # p = 1/2, two attempts: 10 s (1/2), 20 s (1/4), or two failures and 60 s by hand (1/4).
    scenario = _scenario(_biometrics(0.5, "manual", max_attempts=2), _one_big_station_group)
    inp = plan_station(scenario, build_stations(scenario), 0).input
    n = inp.size
    expected = {10.0: 1 / 2, 20.0: 1 / 4, 80.0: 1 / 4}
    assert set(np.unique(inp.scan_s).tolist()) == set(expected)
    for value, p in expected.items():
        assert _within(int((inp.scan_s == value).sum()), n, p), value


# -- outages ------------------------------------------------------------------------------


def _outages(*outages: dict[str, Any], online_count: int = 14) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data["central"]["outages"] = list(outages)
        data["station_groups"][0]["count"] = online_count

    return edit


def _windows(scenario: Scenario) -> list[list[tuple[float, float]]]:
    stations = build_stations(scenario)
    return [plan_station(scenario, stations, s).input.outages_s for s in range(len(stations))]


WINDOW = (5 * 3600.0, 5.5 * 3600.0)  # 13:00-13:30, seconds after the 08:00 opening


def test_outage_for_every_station_hits_every_online_station() -> None:
    scenario = _scenario(_outages({"start": "13:00", "end": "13:30", "share": 1.0}))
    online = build_stations(scenario).online
    windows = _windows(scenario)
    assert [w for w, on in zip(windows, online, strict=True) if on] == [[WINDOW]] * 16
    assert [w for w, on in zip(windows, online, strict=True) if not on] == [[]] * 4


def test_group_outage_hits_only_that_group() -> None:
    outage = {"start": "13:00", "end": "13:30", "share": 1.0, "group": "abroad"}
    scenario = _scenario(_outages(outage))
    windows = _windows(scenario)
    assert windows[:18] == [[]] * 18
    assert windows[18:] == [[WINDOW]] * 2  # smoke's two abroad stations come last


def test_outage_share_is_the_share_of_stations_hit() -> None:
    outage = {"start": "13:00", "end": "13:30", "share": 0.3, "group": "online"}
    scenario = _scenario(_outages(outage, online_count=600))
    hit = [bool(w) for w in _windows(scenario)[:600]]
    assert _within(sum(hit), 600, 0.3)
    # Another outage elsewhere does not change who is hit by this one (aligned streams).
    other = {"start": "15:00", "end": "15:30", "share": 0.5, "group": "abroad"}
    both = _scenario(_outages(outage, other, online_count=600))
    assert [bool(w) for w in _windows(both)[:600]] == hit


# -- station sizes ------------------------------------------------------------------------


def _sizes(registered: dict[str, Any], count: int = 1) -> np.ndarray[Any, Any]:
    def edit(data: dict[str, Any]) -> None:
        data["station_groups"][0].update(
            registered=registered, registered_min=50, registered_max=1500, count=count
        )

    scenario = _scenario(edit)
    sizes: np.ndarray[Any, Any] = build_stations(scenario).registered[:count]
    return sizes


@pytest.mark.parametrize(("value", "size"), [(2000, 1500), (10, 50), (200.4, 200), (200.6, 201)])
def test_sizes_that_can_never_be_legal_are_clipped_to_the_range(value: float, size: int) -> None:
    assert _sizes(_fixed(value), count=3).tolist() == [size] * 3


def test_out_of_range_sizes_are_redrawn_not_piled_on_the_limits() -> None:
    n = 2000
    sizes = _sizes({"kind": "uniform", "low": 0, "high": 3000}, count=n)
    assert sizes.min() >= 50 and sizes.max() <= 1500
    # Clipping would put about half the stations on 1,500; redrawing spreads them evenly.
    assert (sizes == 1500).sum() < 10 and (sizes == 50).sum() < 10
    assert abs(sizes.mean() - 775) < 4 * 1450 / math.sqrt(12 * n)
