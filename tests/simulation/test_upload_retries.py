"""Protocol upload retries as schedule rows (the [counting] retry policy) and stations whose
ballots are counted elsewhere (no protocol): issue 23."""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pytest

from simulation import (
    EventKind,
    Scenario,
    ScenarioError,
    build_stations,
    national_summary,
    parse_scenario,
    simulate,
)
from simulation.national.runner import simulate_station
from simulation.scenario.counting import Counting
from simulation.scenario.lint import scenario_warnings
from simulation.station.metrics import COUNTED_ELSEWHERE
from simulation.station.plan_flow import attempt_offsets_s
from tests.simulation.conftest import SMOKE

_COUNT = {"setup_min": {"kind": "fixed", "value": 30}, "per_ballot_s": 5,
          "upload_delay_min": {"kind": "fixed", "value": 10}}


def _scenario(count: int, **counting: Any) -> Scenario:
    """Smoke's online stations only (no outage), ``count`` of them, the given [counting]."""
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    online = next(g for g in data["station_groups"] if g["name"] == "online")
    data["station_groups"] = [{**online, "count": count,
                               "registered": {"kind": "fixed", "value": 60}}]
    data["central"] = {**data["central"], "outages": []}
    data["counting"] = counting
    return parse_scenario(data)


def test_attempt_times_follow_the_backoff_up_to_the_cap() -> None:
    c = Counting(**_COUNT, upload_failure_probability=0.5, upload_retry_min=2,
                 upload_retry_backoff=1.5, upload_retry_max_min=5)
    # Waits 120, 180, 270 s, then 405 and 607.5 capped at 300 s.
    assert attempt_offsets_s(c, 6).tolist() == [0.0, 120.0, 300.0, 570.0, 870.0, 1170.0]
    assert attempt_offsets_s(c, 1).tolist() == [0.0]
    # The default policy is the one before backoff existed: a fixed upload_retry_min.
    fixed = Counting(**_COUNT, upload_failure_probability=0.5, upload_retry_min=15)
    assert attempt_offsets_s(fixed, 4).tolist() == [0.0, 900.0, 1800.0, 2700.0]


def test_every_attempt_is_a_numbered_row_at_its_backoff_time() -> None:
    scenario = _scenario(40, **_COUNT, upload_failure_probability=0.6, upload_retry_min=2,
                         upload_retry_backoff=2, upload_retry_max_min=10)
    stations = build_stations(scenario)
    seen_retries = 0
    for s in range(len(stations)):
        result = simulate_station(scenario, stations, s, replication=0, seed=7)
        rows = result.rows[np.isin(result.rows["kind"], (EventKind.PROTOCOL,
                                                         EventKind.PROTOCOL_FAILED))]
        n = len(rows)
        assert n == result.row["upload_attempts"] >= 1
        # Failed attempts first, the one that goes through last; numbered -1, -2 ...
        assert rows["kind"].tolist() == [EventKind.PROTOCOL_FAILED] * (n - 1) + [
            EventKind.PROTOCOL]
        assert rows["voter"].tolist() == [-k for k in range(1, n + 1)]
        # Waits 2, 4, 8, then 10 minutes (capped), exactly.
        waits_s = [min(120.0 * 2**k, 600.0) for k in range(n - 1)]
        np.testing.assert_allclose(np.diff(rows["time_s"]), waits_s, rtol=0, atol=1e-6)
        first_s = rows["time_s"][0] - stations.open_offset_s[s]
        assert first_s == pytest.approx(float(result.upload_attempts_after_close_s[0])
                                        + scenario.election.day_s)
        seen_retries += n - 1
    assert seen_retries > 20  # the case is exercised: p = 0.6 gives 1.5 retries a station


def test_giving_up_after_n_attempts_or_a_deadline_sends_only_failed_attempts() -> None:
    by_count = _scenario(200, **_COUNT, upload_failure_probability=0.8, upload_retry_min=5,
                         upload_max_attempts=3)
    result = simulate(by_count, workers=1)
    summary = national_summary(result)
    kinds = result.schedule["kind"]
    failed = (kinds == EventKind.PROTOCOL_FAILED).sum()
    arrived = (kinds == EventKind.PROTOCOL).sum()
    # A station gives up when its 3 attempts all fail: 0.8^3 = 51.2 % of them.
    assert summary["protocols_never_uploaded"] == 200 - arrived
    assert abs((200 - arrived) - 102.4) < 4 * np.sqrt(200 * 0.512 * 0.488)
    # Expected attempts E[min(G, 3)] = (1 - 0.8^3) / 0.2 = 2.44 a station.
    attempts = summary["protocol_upload_attempts"]
    assert attempts == failed + arrived == sum(r["upload_attempts"] for r in result.station_rows)
    assert max(r["upload_attempts"] for r in result.station_rows) == 3
    assert abs(attempts / 200 - 2.44) < 0.15
    gave_up = [r for r in result.station_rows if r["protocol_uploaded"] == ""]
    assert len(gave_up) == 200 - arrived and all(r["upload_attempts"] == 3 for r in gave_up)

    by_deadline = _scenario(60, **_COUNT, upload_failure_probability=0.8, upload_retry_min=5,
                            upload_give_up_after_min=12)
    rows = simulate(by_deadline, workers=1).station_rows
    # Attempts at 0, 5 and 10 minutes; the one at 15 would be past the deadline.
    assert max(r["upload_attempts"] for r in rows) == 3
    assert any(r["protocol_uploaded"] == "" for r in rows)


def test_counted_elsewhere_says_so_instead_of_zeros() -> None:
    scenario = _scenario(5, counted="elsewhere")
    result = simulate(scenario, workers=1)
    summary = national_summary(result)
    assert summary["counted_elsewhere"] is True
    assert summary["protocols_never_uploaded"] is None
    assert summary["protocol_upload_attempts"] is None
    assert summary["protocol_upload_attempts_by_hour_after_close"] == []
    assert not np.isin(result.schedule["kind"],
                       (EventKind.PROTOCOL, EventKind.PROTOCOL_FAILED)).any()
    assert all(r["protocol_uploaded"] == COUNTED_ELSEWHERE and r["upload_attempts"] is None
               for r in result.station_rows)
    # The station closes with its last voter: no count, no upload delay after it.
    assert all(np.isnan(r["protocol_at_min"]) for r in result.station_rows)


def test_bad_counting_says_how_to_fix_it() -> None:
    with pytest.raises(ScenarioError, match="counted = 'elsewhere'"):
        _scenario(1, per_ballot_s=5, upload_delay_min={"kind": "fixed", "value": 1})
    with pytest.raises(ScenarioError, match="the cap must be at least the first wait"):
        _scenario(1, **_COUNT, upload_retry_min=10, upload_retry_max_min=5)
    with pytest.raises(ScenarioError, match="upload_retry_backoff"):
        _scenario(1, **_COUNT, upload_retry_backoff=0.5)
    with pytest.raises(ScenarioError, match="upload_max_attempts"):
        _scenario(1, **_COUNT, upload_max_attempts=0)
    with pytest.raises(ScenarioError, match="counted"):
        _scenario(1, counted="central")


def test_settings_without_effect_are_warned() -> None:
    elsewhere = _scenario(1, counted="elsewhere", setup_min={"kind": "fixed", "value": 3})
    assert "counting.setup_min: no effect with counted = 'elsewhere' (no station protocol)" \
        in scenario_warnings(elsewhere)
    no_failures = _scenario(1, **_COUNT, upload_retry_backoff=2, upload_max_attempts=4)
    assert {w for w in scenario_warnings(no_failures) if w.startswith("counting.")} == {
        "counting.upload_retry_backoff: no effect with upload_failure_probability = 0",
        "counting.upload_max_attempts: no effect with upload_failure_probability = 0",
    }


def test_a_group_counted_elsewhere_has_no_protocol_and_the_others_do() -> None:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    for g in data["station_groups"]:
        if g["name"] == "abroad":
            g["counted"] = "elsewhere"  # counted at home: 2 stations without a protocol
    result = simulate(parse_scenario(data), workers=1)
    summary = national_summary(result)
    abroad = [r for r in result.station_rows if r["group"] == "abroad"]
    others = [r for r in result.station_rows if r["group"] != "abroad"]
    assert len(abroad) == 2 and len(others) == 18
    assert all(r["protocol_uploaded"] == COUNTED_ELSEWHERE for r in abroad)
    assert all(r["protocol_uploaded"] not in ("", COUNTED_ELSEWHERE) for r in others)
    assert summary["counted_elsewhere"] is False
    assert summary["stations_counted_elsewhere"] == 2
    assert summary["protocols_never_uploaded"] == 0  # of the 18 that count, not of 20
    assert summary["protocols_uploaded_by_hour_after_close"][-1] == 1.0
    kinds = result.schedule["kind"]
    assert (kinds == EventKind.PROTOCOL).sum() == 18
    abroad_ids = {r["index"] for r in abroad}
    protocol_stations = set(result.schedule["station"][kinds == EventKind.PROTOCOL].tolist())
    assert not protocol_stations & abroad_ids
