"""Outputs of the new mechanisms: repairs vs replacements, offline sync clocks and the final
sync, upload failures, weights, warnings, per-voter rows and arrivals by hour."""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pytest

from simulation import (
    EventKind,
    RunOptions,
    Scenario,
    build_stations,
    national_summary,
    parse_scenario,
    plan_station,
    run_station,
    simulate,
)
from simulation.national.runner import simulate_station
from simulation.station.messages import offline_sync_times
from simulation.station.metrics import StationResult
from tests.simulation.conftest import SMOKE


def _smoke(**changes: Any) -> dict[str, Any]:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def _offline_only(data: dict[str, Any], count: int, **group: Any) -> Scenario:
    offline = next(g for g in data["station_groups"] if g["name"] == "offline")
    data["station_groups"] = [
        {**offline, "count": count, "registered": {"kind": "fixed", "value": 60}, **group}
    ]
    data["central"] = {**data["central"], "outages": []}
    return parse_scenario(data)


def test_repairs_and_replacements_in_the_expected_proportions() -> None:
    data = _smoke(
        failures={
            "mtbf_h": 0.5,
            "repair_time_min": {"kind": "fixed", "value": 1},
            "repair_probability": 0.75,
            "replacement_time_min": {"kind": "fixed", "value": 30},
        }
    )
    result = simulate(parse_scenario(data), workers=1)
    summary = national_summary(result)
    repairs, replacements = summary["repairs"], summary["replacements"]
    assert repairs == sum(r["repairs"] for r in result.station_rows)
    n = repairs + replacements
    assert n > 300
    share = replacements / n
    assert abs(share - 0.25) < 4 * np.sqrt(0.25 * 0.75 / n), (share, n)
    assert summary["terminal_failures"] >= n  # failures still down at the end are not back


def test_offline_syncs_spread_over_the_interval_and_end_with_a_final_sync() -> None:
    def per_minute(scenario: Scenario) -> np.ndarray[Any, Any]:
        rows = simulate(scenario, workers=1).schedule
        sync = rows[rows["kind"] == EventKind.SYNC_CHECKIN]
        batches = np.unique(np.stack([sync["station"], sync["time_s"]]), axis=1)
        day = (batches[1] >= 600) & (batches[1] < 10 * 3600)  # the day, not the final syncs
        return np.bincount((batches[1][day] // 60).astype(np.int64))[10:]

    spread = per_minute(_offline_only(_smoke(), 120))
    assert spread.max() <= 3 * spread.mean(), (spread.max(), spread.mean())
    burst = per_minute(_offline_only(_smoke(), 120, sync_phase="opening"))
    assert burst.max() > 10 * burst.mean()  # every station at the same second: the old way


def test_every_checkin_reaches_the_service_before_or_with_the_final_sync() -> None:
    scenario = _offline_only(_smoke(), 20, sync_jitter_s=120)
    stations = build_stations(scenario)
    final_delays: list[float] = []
    for s in range(len(stations)):
        plan = plan_station(scenario, stations, s)
        out = run_station(plan.input)
        done = ~np.isnan(out.checkin_end_s)
        synced = offline_sync_times(
            out.checkin_end_s, plan.sync_times_s, plan.input.close_s,
            final_delay_s=plan.final_sync_delay_s,
        )
        last = max(plan.input.close_s, float(np.nanmax(out.checkin_end_s)))
        assert 0 <= plan.final_sync_delay_s <= 300  # the jitter or 5 min, the longer
        assert (synced[done] >= out.checkin_end_s[done]).all()
        assert (synced[done] <= last + plan.final_sync_delay_s).all()
        assert last + plan.final_sync_delay_s <= out.protocol_at_s
        final_delays.append(plan.final_sync_delay_s)
    assert len(set(final_delays)) == len(final_delays)  # no two kits close in the same second


def test_records_that_leave_with_the_protocol_arrive_just_before_it() -> None:
    scenario = _offline_only(
        _smoke(), 12, sync_interval_min=1440, sync_phase="opening", final_sync="with_protocol"
    )
    rows = simulate(scenario, workers=1).schedule
    for s in range(12):
        mine = rows[rows["station"] == s]
        batch = np.unique(mine["time_s"][mine["kind"] == EventKind.SYNC_CHECKIN])
        protocol = mine["time_s"][mine["kind"] == EventKind.PROTOCOL]
        assert len(batch) == 1 and len(protocol) == 1  # one batch: the whole day
        assert protocol[0] >= batch[0] + 1.0


def test_upload_failures_retries_and_stations_that_never_upload() -> None:
    counting = {
        **_smoke()["counting"],
        "upload_failure_probability": 0.5,
        "upload_retry_min": 10,
        "never_upload_share": 0.2,
    }
    scenario = _offline_only(_smoke(counting=counting), 200)
    result = simulate(scenario, workers=1)
    summary = national_summary(result)
    never = summary["protocols_never_uploaded"]
    assert abs(never - 40) < 4 * np.sqrt(200 * 0.2 * 0.8)
    protocols = result.schedule[result.schedule["kind"] == EventKind.PROTOCOL]
    assert len(protocols) == 200 - never
    attempts = sum(summary["protocol_upload_attempts_by_hour_after_close"])
    assert attempts == sum(r["upload_attempts"] for r in result.station_rows)
    assert abs(attempts / 200 - 2.0) < 4 * np.sqrt(2 / 200)  # geometric mean 1/(1 - 0.5)


def _station(scenario: Scenario, station: int) -> StationResult:
    """Replication 0 of one station, as the national run simulated it."""
    return simulate_station(scenario, build_stations(scenario), station, replication=0,
                            seed=scenario.election.seed)


def test_weighted_national_counts_and_warnings_in_the_summary() -> None:
    data = _smoke()
    data["station_groups"][0]["weight"] = 100
    data["biometrics"]["fallback"] = "refuse"
    scenario = parse_scenario(data)
    result = simulate(scenario, workers=1)
    summary = national_summary(result)
    rows = result.station_rows
    online = sum(int(r["voted"]) for r in rows if r["group"] == "online")
    assert summary["weighted"]["voted"] == 100 * online + summary["voted"] - online
    assert summary["weighted"]["stations"] == 100 * 14 + 6
    # Waits too: an online voter stands for 100, an offline one for 1.
    station_w = [100.0 if r["group"] == "online" else 1.0 for r in rows]
    waits = [_station(scenario, s).waits_min.astype(float) for s in range(len(rows))]
    mean = sum(w * x.sum() for w, x in zip(station_w, waits, strict=True)) / sum(
        w * len(x) for w, x in zip(station_w, waits, strict=True)
    )
    assert summary["weighted"]["wait_min"]["mean"] == pytest.approx(mean, abs=1e-3)
    assert summary["weighted"]["wait_min"]["p95"] <= summary["weighted"]["wait_min"]["max"]
    assert summary["warnings"] == ["biometrics.manual_time_s: no effect with fallback = 'refuse'"]


def test_voter_rows_and_arrivals_by_hour_with_a_partial_last_hour() -> None:
    data = _smoke()
    data["election"]["closing"] = "19:30"  # 11.5 hours: 12 hourly bins, the last half
    data["arrivals"]["intervals"][-1]["end"] = "19:30"
    scenario = parse_scenario(data)
    result = simulate(scenario, options=RunOptions(voters=True), workers=1)
    summary = national_summary(result)
    by_hour = summary["arrivals_by_hour"]
    assert len(by_hour) == 12 and by_hour[-1]["time"] == "19:00"
    assert sum(h["arrivals"] for h in by_hour) == summary["arrived"]
    voters = result.voters
    assert voters is not None
    assert len(voters) == summary["arrived"]
    assert np.sum(voters["status"] == 0) == summary["voted"]
    reached = ~np.isnan(voters["wait_s"][:, 0])
    waits = np.concatenate([_station(scenario, s).waits_min for s in range(summary["stations"])])
    # A wait is the time in every line of the visit (the standard's), per voter the sum.
    visit = np.nansum(voters["wait_s"][reached], axis=1) / 60
    assert np.allclose(np.sort(visit), np.sort(waits), atol=1e-3)


def test_final_syncs_spread_after_closing_and_precede_the_protocol_with_exact_clocks() -> None:
    # No jitter: before, every kit idle at closing sent its last batch in the same second.
    rows = simulate(_offline_only(_smoke(), 120), workers=1).schedule
    last_batch_s = []
    for s in range(120):
        mine = rows[rows["station"] == s]
        batches = mine["time_s"][mine["kind"] == EventKind.SYNC_CHECKIN]
        protocol = mine["time_s"][mine["kind"] == EventKind.PROTOCOL]
        assert batches.max() < protocol.min()  # the service refuses check-ins after it
        last_batch_s.append(int(batches.max()))
    _, per_second = np.unique(last_batch_s, return_counts=True)
    assert per_second.max() <= 4, per_second.max()  # 120 kits over 300 s


def test_warnings_for_a_size_mean_out_of_range_and_offline_settings_on_an_online_group() -> None:
    from simulation.scenario.lint import scenario_warnings

    data = _smoke()
    online = data["station_groups"][0]
    assert online["connectivity"] == "online"
    online["registered"] = {"kind": "fixed", "value": 10 * online["registered_max"]}
    online["final_sync"] = "with_protocol"
    warnings = scenario_warnings(parse_scenario(data))
    assert any("lies outside the legal range" in w for w in warnings), warnings
    assert any("clipped" in w or "redrawn" in w for w in warnings), warnings
    assert any("['final_sync'] have no effect on an online station" in w for w in warnings)
