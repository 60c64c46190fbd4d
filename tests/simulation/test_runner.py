"""National runs: determinism across worker counts, schedule format, figures that add up."""

from __future__ import annotations

import os
import tomllib

import numpy as np
import pytest

from simulation import (
    EventKind,
    RunOptions,
    Status,
    build_stations,
    load_scenario,
    national_summary,
    parse_scenario,
    plan_station,
    simulate,
    station_code,
)
from simulation.national.runner import CHUNK_STATIONS
from simulation.outputs.schedule import SCHEDULE_DTYPE
from tests.simulation.conftest import AZERBAIJAN, SMOKE


def _without_timing(summary: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in summary.items() if k != "wall_s"}


def test_same_seed_same_summary_whatever_the_worker_count() -> None:
    # Smoke with 100 home stations and two replications: 106 stations in 5 chunks (each
    # with both replications), so two workers really share the day (smoke alone fits in one).
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data["station_groups"][0]["count"] = 100
    data["election"]["replications"] = 2
    scenario = parse_scenario(data)
    one = simulate(scenario, workers=1)
    two = simulate(scenario, workers=2)
    jobs = -(-106 // CHUNK_STATIONS)
    assert len(one.chunk_pids) == len(two.chunk_pids) == jobs > 2
    assert set(one.chunk_pids) == {os.getpid()}
    # Both workers ran chunks, and none ran in this process.
    assert len(set(two.chunk_pids)) == 2 and os.getpid() not in two.chunk_pids
    assert _without_timing(national_summary(one)) == _without_timing(national_summary(two))
    assert np.array_equal(one.schedule, two.schedule)
    assert one.station_rows == two.station_rows


def test_another_seed_gives_another_day() -> None:
    scenario = load_scenario(SMOKE)
    a = national_summary(simulate(scenario, workers=1))
    b = national_summary(simulate(scenario, workers=1, options=RunOptions(seed=43)))
    assert a["seed"] == 42 and b["seed"] == 43
    assert a["wait_min"] != b["wait_min"]


def test_seed_option_changes_the_day_but_not_the_roster() -> None:
    # Station sizes come from the scenario's own election.seed (docs/outputs.md): a run with
    # another --seed simulates another day of the same stations.
    scenario = load_scenario(SMOKE)
    a = simulate(scenario, workers=1)
    b = simulate(scenario, workers=1, options=RunOptions(seed=43))
    assert [r["registered"] for r in a.station_rows] == [r["registered"] for r in b.station_rows]
    assert np.array_equal(a.stations.registered, b.stations.registered)
    assert [r["arrived"] for r in a.station_rows] != [r["arrived"] for r in b.station_rows]
    reseeded = scenario.model_copy(
        update={"election": scenario.election.model_copy(update={"seed": 43})}
    )
    assert not np.array_equal(build_stations(reseeded).registered, a.stations.registered)


def test_station_draws_do_not_depend_on_which_stations_run() -> None:
    scenario = load_scenario(SMOKE)
    full = simulate(scenario, workers=1)
    part = simulate(scenario, workers=1, station_indices=[3, 7])
    assert part.station_rows == [full.station_rows[3], full.station_rows[7]]


def test_schedule_is_time_sorted_and_accounts_for_every_check_in() -> None:
    scenario = load_scenario(SMOKE)
    result = simulate(scenario, workers=1)
    rows = result.schedule
    assert rows.dtype == SCHEDULE_DTYPE
    assert (np.diff(rows["time_s"]) >= 0).all()
    kinds = rows["kind"]
    summary = national_summary(result)
    checkins = np.isin(kinds, (EventKind.CHECKIN, EventKind.SYNC_CHECKIN)).sum()
    duplicates = np.isin(kinds, (EventKind.DUPLICATE, EventKind.SYNC_DUPLICATE)).sum()
    assert checkins == summary["voted"]
    assert duplicates == summary["duplicate_attempts"]
    assert (kinds == EventKind.PROTOCOL).sum() == summary["stations"]
    # Smoke's uploads never fail: one attempt per station, the first (-1 in ``voter``).
    assert (rows["voter"][kinds == EventKind.PROTOCOL] == -1).all()
    assert not (kinds == EventKind.PROTOCOL_FAILED).any()
    # Offline stations only ever sync in batches at multiples of their interval.
    stations = build_stations(scenario)
    offline = ~stations.online[rows["station"]]
    offline_checkins = offline & (kinds != EventKind.PROTOCOL)
    assert offline_checkins.any()
    assert set(np.unique(kinds[offline_checkins])) <= {
        EventKind.SYNC_CHECKIN,
        EventKind.SYNC_DUPLICATE,
    }
    # Offline stations sync in batches on their own clock (a phase of their own, then every
    # 15 minutes), and once more when the last voter has checked in (at or after closing).
    day_s = scenario.election.day_s
    phases = set()
    for s in np.unique(rows["station"][offline_checkins]):
        mine = offline_checkins & (rows["station"] == s)
        local_s = np.unique(rows["time_s"][mine] - stations.open_offset_s[s])
        periodic, final = local_s[local_s < day_s], local_s[local_s >= day_s]
        assert len(final) <= 1
        steps = (periodic - periodic[0]) / 900
        assert np.allclose(steps, np.round(steps), atol=1e-9)
        phases.add(round(float(periodic[0] % 900)))
    assert len(phases) > 1  # not every station on the same second
    # Voters are distinct within a station.
    for s in range(len(stations)):
        voters = rows["voter"][(rows["station"] == s) & (rows["voter"] >= 0)]
        assert len(np.unique(voters)) == len(voters)
        assert (voters < stations.registered[s]).all()


def test_voter_statuses_add_up_to_arrivals() -> None:
    result = simulate(load_scenario(SMOKE), workers=1)
    s = national_summary(result)
    assert s["arrived"] == (
        s["voted"]
        + s["reneged"]
        + s["not_served_at_close"]
        + s["refused_not_identified"]
        + s["refused_duplicates"]
        + s["duplicates_voted"]
    )
    assert s["turnout_by_hour"][-1]["time"] == "19:00"
    cumulative = [h["cumulative_turnout"] for h in s["turnout_by_hour"]]
    assert cumulative == sorted(cumulative)
    assert s["protocols_uploaded_by_hour_after_close"][-1] == 1.0


def test_abroad_stations_open_at_their_own_local_time() -> None:
    scenario = load_scenario(SMOKE)
    stations = build_stations(scenario)
    # Home stations are UTC+4, abroad UTC+1: abroad opens 3 hours later in absolute time.
    assert stations.open_offset_s[0] == 0
    assert stations.open_offset_s[-1] == 3 * 3600
    assert station_code(0) == "PS00001"


def test_hardware_override_keeps_every_draw() -> None:
    from simulation import Hardware

    scenario = load_scenario(SMOKE)
    stations = build_stations(scenario)
    a = plan_station(scenario, stations, 2)
    b = plan_station(scenario, stations, 2, hardware=Hardware(terminals=3, desks=2, booths=4))
    assert np.array_equal(a.input.arrival_s, b.input.arrival_s)
    assert np.array_equal(a.input.scan_s, b.input.scan_s)
    assert b.input.terminals == 3


@pytest.mark.slow
def test_azerbaijan_turnout_matches_official_intraday_figures() -> None:
    """Cumulative turnout at 10, 12, 15, 17 and 19 h within 1 point of the CEC's figures."""
    scenario = load_scenario(AZERBAIJAN)
    stations = build_stations(scenario)
    # Every 7th station: about 930 stations and 700,000 voters, all groups represented.
    sample = list(range(0, len(stations), 7))
    summary = national_summary(simulate(scenario, workers=2, station_indices=sample))
    by_time = {h["time"]: h["cumulative_turnout"] for h in summary["turnout_by_hour"]}
    official = {"10:00": 0.1944, "12:00": 0.3857, "15:00": 0.6054, "17:00": 0.7085, "19:00": 0.7673}
    for time, share in official.items():
        assert abs(by_time[time] - share) <= 0.01, (time, by_time[time], share)
    assert summary["lost_votes"] < 0.001 * summary["voted"]


def test_refused_status_codes_are_stable() -> None:
    # The schedule and CSVs document these numbers; changing them breaks saved runs.
    assert [int(s) for s in Status] == [0, 1, 2, 3, 4, 5]
    # 5 (PROTOCOL_FAILED, a failed upload attempt) was added after the others: new kinds
    # are appended, never renumbered.
    assert [int(k) for k in EventKind] == [0, 1, 2, 3, 4, 5]
