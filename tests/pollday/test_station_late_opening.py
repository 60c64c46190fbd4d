"""The station calculator with a late opening: ``--opens-late-min`` and a scenario's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.station.base import base_data
from pollday.station.calc import answer
from pollday.station.defaults import StationInputError
from pollday.station.inputs import station_scenario
from simulation import build_stations, simulate_station
from simulation.station.late_opening import late_days

NIGERIA = Path(__file__).resolve().parents[2] / "scenarios" / "nigeria-late-opening.toml"


def test_opens_late_min_opens_every_day_that_late_and_the_door_line_waits() -> None:
    base = base_data(None, None)
    late = answer(base, {"registered": "300", "turnout": "0.5", "opens_late_min": "90"},
                  days=2, seed=1)
    on_time = answer(base, {"registered": "300", "turnout": "0.5"}, days=2, seed=1)
    assert late["late_opening"]["days_late_share"] == 1.0
    assert late["late_opening"]["delay_mean_min"] == 90.0
    assert late["late_opening"]["arrived_before_opening_per_day"] > 0
    assert "late_opening" not in on_time  # an on-time station says nothing of it
    # The same voters (same seed): those at the door wait for the opening.
    assert late["wait_min"]["p95"] > on_time["wait_min"]["p95"]


def test_opens_late_min_replaces_a_scenarios_late_opening_and_zero_means_on_time() -> None:
    base = base_data(NIGERIA, None)
    assert station_scenario(base, {}).late_opening is not None  # the scenario's 40 %
    fixed = station_scenario(base, {"opens_late_min": "30"})
    assert fixed.late_opening is not None and fixed.late_opening.share == 1
    assert fixed.station_groups[0].late_opening is None
    assert station_scenario(base, {"opens_late_min": "0"}).late_opening is None
    with pytest.raises(StationInputError, match="--opens-late-min"):
        station_scenario(base, {"opens_late_min": "-5"})


def test_a_scenarios_late_opening_is_reported_per_day() -> None:
    # The calculator's days of the scenario's station (its sizing search left out: slow).
    scenario = station_scenario(base_data(NIGERIA, None), {})
    stations = build_stations(scenario)
    rows = [simulate_station(scenario, stations, 0, replication=r, seed=3).row
            for r in range(40)]
    late = late_days(rows)
    assert 0 < late["days_late_share"] < 1  # 40 % of days, drawn: not all, not none
    assert late["days_late_share"] == sum(r["opened_late_min"] > 0 for r in rows) / 40
    assert late["delay_mean_min"] > 0
    assert late["left_before_opening_per_day"] <= late["arrived_before_opening_per_day"]
