"""Late opening: exact event logs of the engine, the seeded draw, and what the outputs show."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from simulation import (
    EventKind,
    Scenario,
    Status,
    build_stations,
    national_summary,
    parse_scenario,
    plan_station,
    run_station,
    simulate,
    simulate_station,
)
from simulation.scenario.lint import scenario_warnings
from simulation.scenario.opening import LateOpening
from simulation.station.late_opening import (
    draw_opening_delay_s,
    late_counts,
    late_summary,
    opening_row,
)
from tests.simulation.conftest import station_input


def test_voters_at_the_door_are_served_from_the_late_opening_in_arrival_order() -> None:
    # Opens at 100 s instead of 0: voters 0 and 1 wait at the door; voter 2 comes after.
    # One terminal (30 s), desk (10 s), booth (60 s), as in test_station's hand-made log.
    out = run_station(station_input([0, 50, 110], opens_s=100.0, close_s=1000.0), trace=True)
    assert out.log == [
        (0.0, "arrive", 0),
        (50.0, "arrive", 1),
        (100.0, "open", -1),
        (100.0, "scan", 0),
        (110.0, "arrive", 2),
        (130.0, "checked_in", 0),
        (130.0, "desk", 0),
        (130.0, "scan", 1),
        (140.0, "booth", 0),
        (160.0, "checked_in", 1),
        (160.0, "desk", 1),
        (160.0, "scan", 2),
        (190.0, "checked_in", 2),
        (190.0, "desk", 2),
        (200.0, "exit", 0),
        (200.0, "booth", 1),
        (260.0, "exit", 1),
        (260.0, "booth", 2),
        (320.0, "exit", 2),
        (1000.0, "close", -1),
        (1000.0, "counted", 3),
        (1000.0, "protocol", 3),
    ]
    # Waits count from arrival, the door included: 100, 80 and 50 s before the terminal.
    assert (out.start_s - np.array([0, 50, 110])).tolist() == [100.0, 80.0, 50.0]


def test_patience_at_the_door_counts_from_arrival_and_the_lost_are_counted() -> None:
    # Voter 0 gives up after 60 s at the door (before the 100 s opening); voter 1 would wait
    # 100 s at the door then 30 s behind nobody: patience 120 s holds.
    inp = station_input([0, 0], opens_s=100.0, patience_s=[60.0, 120.0])
    out = run_station(inp, trace=True)
    assert out.status.tolist() == [Status.RENEGED, Status.VOTED]
    assert out.left_line_s[0] == 60.0 and out.start_s[1] == 100.0
    assert opening_row(inp, out) == {
        "opened_late_min": round(100 / 60, 2), "arrived_before_opening": 2,
        "left_before_opening": 1,
    }


def test_failures_start_wearing_at_the_opening() -> None:
    # The terminal's first up-time (20 s) counts from the 100 s opening: it fails at 120 s,
    # mid-scan; back at 140 s, the voter rescans 140-170, desk 170-180, booth 180-240.
    out = run_station(
        station_input([0], opens_s=100.0, up_s=[[20.0, 1e9]], repair_s=[[20.0, 1.0]]),
        trace=True,
    )
    log = out.log or []
    assert (120.0, "fail", 0) in log and (140.0, "repaired", 0) in log
    assert out.exit_s[0] == 240.0


def test_a_station_that_never_opens_serves_only_what_the_closing_rule_serves() -> None:
    home = run_station(station_input([0, 10], opens_s=500.0, close_s=500.0,
                                     serve_queue_at_close=False), trace=True)
    assert home.status.tolist() == [Status.NOT_SERVED] * 2
    assert opening_row(station_input([0, 10], opens_s=500.0, close_s=500.0), home)[
        "left_before_opening"] == 2
    served = run_station(station_input([0, 10], opens_s=500.0, close_s=500.0))
    assert served.status.tolist() == [Status.VOTED] * 2
    assert served.start_s.tolist() == [500.0, 530.0]


def test_on_time_station_is_unchanged_and_reports_zeros() -> None:
    inp = station_input([0, 0, 10], close_s=100.0)
    out = run_station(inp, trace=True)
    assert ("open" not in {e for _, e, _ in out.log or []})
    assert opening_row(inp, out) == {
        "opened_late_min": 0.0, "arrived_before_opening": 0, "left_before_opening": 0}


def test_share_of_late_stations_and_mean_delay_match_the_scenario() -> None:
    late = LateOpening.model_validate(
        {"share": 0.3, "delay_min": {"kind": "exponential", "mean": 90}})
    n = 4000
    delays = np.array([draw_opening_delay_s(late, 11 * 3600.0,
                                            rng=np.random.default_rng([15, k, 0, 7]))
                       for k in range(n)])
    share = float(np.mean(delays > 0))
    # Binomial: 4 standard errors of a share 0.3 over 4,000 stations.
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)
    mean_min = float(delays[delays > 0].mean()) / 60
    late_n = int(np.sum(delays > 0))
    assert abs(mean_min - 90) < 4 * 90 / math.sqrt(late_n)  # exponential sd = mean
    again = draw_opening_delay_s(late, 11 * 3600.0, rng=np.random.default_rng([15, 3, 0, 7]))
    assert again == delays[3]  # the station's own stream: the same seed, the same day


def test_delays_are_capped_at_closing_and_share_zero_draws_nothing() -> None:
    late = LateOpening.model_validate({"share": 1, "delay_min": {"kind": "fixed", "value": 900}})
    assert draw_opening_delay_s(late, 600.0, rng=np.random.default_rng(1)) == 600.0
    none = LateOpening.model_validate({"share": 0, "delay_min": {"kind": "fixed", "value": 9}})
    rng = np.random.default_rng(1)
    assert draw_opening_delay_s(none, 600.0, rng=rng) == 0.0
    assert rng.random() == np.random.default_rng(1).random()  # nothing drawn


def test_national_late_figures_add_up_exactly() -> None:
    rows = [{"opened_late_min": 0.0, "arrived_before_opening": 0, "left_before_opening": 0},
            {"opened_late_min": 90.5, "arrived_before_opening": 40, "left_before_opening": 3},
            {"opened_late_min": 180.0, "arrived_before_opening": 75, "left_before_opening": 9}]
    counts = late_counts(rows)[None, :]
    assert late_summary(counts, stations=3) == {
        "stations": 2, "share": round(2 / 3, 5), "delay_mean_min": 135.25,
        "delay_max_min": 180.0, "arrived_before_opening": 115, "left_before_opening": 12,
    }


# -- through the scenario: the draw, stations.csv, summary.json and the schedule -----------

def _scenario(late: dict[str, Any] | None, group_late: dict[str, Any] | None = None,
              count: int = 40) -> Scenario:
    fixed: Callable[[float], dict[str, Any]] = lambda v: {"kind": "fixed", "value": v}  # noqa: E731
    group: dict[str, Any] = {
        "name": "all", "count": count, "registered": fixed(400), "registered_min": 1,
        "registered_max": 400, "terminals": 1, "desks": 2, "booths": 2,
    }
    if group_late is not None:
        group["late_opening"] = group_late
    data: dict[str, Any] = {
        "election": {"name": "late", "date": "2024-01-01", "opening": "08:00",
                     "closing": "18:00", "utc_offset_h": 0, "seed": 11,
                     "candidates": [{"name": "A", "share": 1.0}]},
        "arrivals": {"turnout": 0.5, "intervals": [
            {"start": "08:00", "end": "18:00", "share": 1.0}]},
        "station_groups": [group],
        "biometrics": {"scan_time_s": fixed(30), "success_probability": 1,
                       "max_attempts": 1, "fallback": "refuse"},
        "central": {"latency_s": fixed(0.1), "timeout_s": 5},
        "voting": {"ballot_time_s": fixed(10), "booth_time_s": fixed(30)},
        "counting": {"setup_min": fixed(10), "per_ballot_s": 1, "upload_delay_min": fixed(5)},
    }
    if late is not None:
        data["late_opening"] = late
    return parse_scenario(data)


_TWO_HOURS = {"share": 1, "delay_min": {"kind": "fixed", "value": 120}}


def test_late_station_sends_no_checkin_before_it_opens_then_a_burst() -> None:
    scenario = _scenario(_TWO_HOURS, count=1)
    stations = build_stations(scenario)
    late = simulate_station(scenario, stations, 0, replication=0, seed=11)
    on_time = simulate_station(_scenario(None, count=1), stations, 0, replication=0, seed=11)
    opens_s = 120 * 60 + float(stations.open_offset_s[0])
    checkins = late.rows["time_s"][late.rows["kind"] == EventKind.CHECKIN]
    assert len(checkins) and checkins.min() >= opens_s
    # About 40 voters came in the two hours (200 over 10 h): the one terminal sends a call
    # every 30.1 s (30 s scan, 0.1 s call) from 30 s after the opening, 29 in the first 15
    # minutes; on time, the same 15 minutes of the day see the arrivals' pace, about 5.
    burst = int(np.sum(checkins < opens_s + 900))
    base = on_time.rows["time_s"][on_time.rows["kind"] == EventKind.CHECKIN]
    calm = int(np.sum((base >= opens_s) & (base < opens_s + 900)))
    assert burst == 29 and calm < 15
    assert late.row["opened_late_min"] == 120.0
    arrivals_s = plan_station(scenario, stations, 0, seed=11).input.arrival_s
    assert late.row["arrived_before_opening"] == int(np.sum(arrivals_s < 7200)) > 30
    assert on_time.row["opened_late_min"] == 0.0 and on_time.row["arrived_before_opening"] == 0


def test_share_of_late_stations_through_the_plan_and_group_override() -> None:
    scenario = _scenario({"share": 0.3, "delay_min": {"kind": "exponential", "mean": 60}},
                         count=1000)
    stations = build_stations(scenario)
    opens = np.array([plan_station(scenario, stations, k).input.opens_s for k in range(1000)])
    assert abs(np.mean(opens > 0) - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 1000)
    again = plan_station(scenario, stations, 7).input.opens_s
    assert again == opens[7]  # same seed, same day
    # A group's own late_opening replaces the scenario's: share 0 keeps the group on time.
    on_time = _scenario(_TWO_HOURS, group_late={"share": 0, "delay_min": {
        "kind": "fixed", "value": 1}}, count=5)
    assert all(plan_station(on_time, build_stations(on_time), k).input.opens_s == 0
               for k in range(5))


def test_late_opening_leaves_every_other_draw_of_the_day_unchanged() -> None:
    late, plain = _scenario(_TWO_HOURS, count=2), _scenario(None, count=2)
    stations = build_stations(plain)
    a, b = plan_station(late, stations, 1), plan_station(plain, stations, 1)
    assert a.input.opens_s == 7200.0 and b.input.opens_s == 0.0
    assert np.array_equal(a.input.arrival_s, b.input.arrival_s)
    assert np.array_equal(a.input.scan_s, b.input.scan_s)


def test_summary_reports_late_stations_and_is_null_without_late_opening() -> None:
    late = national_summary(simulate(_scenario(_TWO_HOURS, count=4), workers=1))
    assert late["late_opening"]["stations"] == 4
    assert late["late_opening"]["delay_mean_min"] == 120.0
    assert late["late_opening"]["arrived_before_opening"] > 0
    plain = national_summary(simulate(_scenario(None, count=4), workers=1))
    assert plain["late_opening"] is None


# -- scenario_warnings: a late opening nobody gives up at --------------------------------

_PATIENCE = {"kind": "lognormal", "median": 60, "p95": 180}


def _late_warnings(scenario: Scenario) -> list[str]:
    return [w for w in scenario_warnings(scenario) if ".late_opening" in w
            or w.startswith("late_opening")]


def test_late_opening_without_patience_warns_that_everyone_waits_at_the_door() -> None:
    (warning,) = _late_warnings(_scenario(_TWO_HOURS))
    assert warning.startswith("late_opening: voters never give up (no voting.patience_min), "
                              "so everyone who comes before a late station opens waits at "
                              "the door however late it opens")
    assert "set [voting] patience_min" in warning and "[[flow]]" not in warning
    # A group's own late_opening is named by the group; share 0 opens nobody late.
    (group,) = _late_warnings(_scenario(None, group_late=_TWO_HOURS))
    assert group.startswith("station_groups[0] (all).late_opening: voters never give up")
    on_time = {"share": 0, "delay_min": {"kind": "fixed", "value": 1}}
    assert _late_warnings(_scenario(_TWO_HOURS, group_late=on_time)) == []
    assert _late_warnings(_scenario({**_TWO_HOURS, "share": 0})) == []
    assert _late_warnings(_scenario(None)) == []


def test_late_opening_with_patience_is_quiet_unless_the_door_stage_never_reneges() -> None:
    data = _scenario(_TWO_HOURS).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["voting"]["patience_min"] = _PATIENCE
    assert _late_warnings(parse_scenario(data)) == []  # the default flow's terminal reneges
    fixed = {"kind": "fixed", "value": 10}
    data["flow"] = [
        {"name": "desk", "pool": "desks", "time_s": fixed},
        {"name": "identify", "pool": "terminals", "kind": "identification",
         "reneging": True},
        {"name": "booth", "pool": "booths", "time_s": fixed},
    ]
    group = data["station_groups"][0]
    group["pools"] = {"desks": 2, "terminals": 1, "booths": 2}
    for name in ("terminals", "desks", "booths"):
        group.pop(name, None)
    (warning,) = _late_warnings(parse_scenario(data))
    assert warning.startswith("late_opening: no [[flow]] stage voters line up for first has "
                              "reneging = true")
    assert warning.endswith("set reneging = true on desk")
    data["voting"].pop("patience_min")
    (both,) = _late_warnings(parse_scenario(data))
    assert both.endswith("and reneging = true on the first [[flow]] stage (desk)")
    data["flow"][0]["reneging"] = True
    data["voting"]["patience_min"] = _PATIENCE
    assert _late_warnings(parse_scenario(data)) == []
