"""The report's plot-data functions on small hand-made inputs (exact outputs)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pollday.report.capacity_data import read_capacity
from pollday.report.day_data import DayProfile, day_profile
from pollday.report.errors import ReportError
from pollday.report.loadtest_data import read_loadtest, thresholds_of
from pollday.report.run_folder import QueueLengths, SimulationData, StationColumns
from pollday.report.sizing_data import SizingData, group_sizing
from pollday.report.station_data import failure_buckets, group_rows
from simulation import parse_scenario

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"


def _stations() -> StationColumns:
    # Four stations: two "city" (p95 10 and 40 min), one "rural" (50 min), one "abroad".
    return StationColumns(
        group=["city", "city", "rural", "abroad"],
        ints={
            "registered": np.array([100, 200, 300, 50]),
            "arrived": np.array([80, 150, 200, 0]),
            "voted": np.array([78, 140, 190, 0]),
            "reneged": np.array([1, 5, 4, 0]),
            "not_served_at_close": np.array([0, 3, 4, 0]),
            "refused_not_identified": np.array([1, 2, 2, 0]),
            "terminal_failures": np.array([0, 1, 5, 0]),
        },
        floats={"wait_p95_min": np.array([10.0, 40.0, 50.0, 0.0]),
                "terminal_utilisation": np.array([0.2, 0.4, 0.9, 0.0])},
    )


def test_group_rows_sum_each_group_in_scenario_order() -> None:
    rows = group_rows(_stations(), ["rural", "missing", "city", "abroad"])
    assert [r.name for r in rows] == ["rural", "city", "abroad"]  # empty groups left out
    rural, city, abroad = rows
    assert (city.stations, city.registered, city.arrived, city.voted) == (2, 300, 230, 218)
    assert city.lost == {"reneged": 6, "not_served_at_close": 3, "refused_not_identified": 3}
    assert city.lost_total == 12 and city.lost_per_1000 == pytest.approx(1000 * 12 / 230)
    assert city.p95_wait_median_min == 25.0 and city.stations_over_standard == 1
    assert rural.stations_over_standard == 1 and rural.lost_total == 10
    assert abroad.lost_per_1000 == 0.0  # nobody came: no division by zero


def test_failure_buckets_cap_at_top_and_drop_empty_ones() -> None:
    buckets = failure_buckets(_stations(), top=3)
    assert [b.label for b in buckets] == ["0", "1", "3+"]  # nobody had exactly 2
    zero, one, many = buckets
    assert zero.stations == 2 and zero.p95_wait_min.tolist() == [10.0, 0.0]
    assert zero.lost_per_1000 == pytest.approx(1000 * 2 / 80)
    assert zero.utilisation_mean == pytest.approx(0.1) and zero.median_min == 5.0
    assert one.share_over_standard == 1.0 and one.lost_per_1000 == pytest.approx(1000 * 10 / 150)
    assert many.stations == 1 and many.utilisation_mean == pytest.approx(0.9)


def _one_interval_day(opening: str, summary: dict[str, Any]) -> DayProfile:
    """The day profile of the smoke scenario open from ``opening`` to 11:00, its arrivals
    flat over that one interval (turnout 0.5), with ``summary`` and no queue samples."""
    data = tomllib.loads(SMOKE.read_text())
    data["election"].update(opening=opening, closing="11:00")
    data["arrivals"] = {"turnout": 0.5, "queue_at_opening_share": 0.0, "duplicate_share": 0.0,
                        "intervals": [{"start": opening, "end": "11:00", "share": 1.0}]}
    data.pop("reference", None)
    queues = QueueLengths(np.zeros(0, np.int64), np.zeros((0, 0), np.float32), 60.0)
    return day_profile(SimulationData(summary, _stations(), queues, parse_scenario(data)))


def test_day_profile_follows_the_scenario_and_the_summary() -> None:
    summary = {
        "registered": 1000, "turnout": 0.5,
        "arrivals_by_hour": [{"time": "08:00", "arrivals": 150}, {"time": "09:00", "arrivals": 200},
                             {"time": "10:00", "arrivals": 150}],
        "turnout_by_hour": [{"time": "09:00", "cumulative_turnout": 0.15},
                            {"time": "10:00", "cumulative_turnout": 0.35}],
    }
    profile = _one_interval_day("08:00", summary)
    assert profile.opening_min == 480.0 and profile.day_min == 180.0
    assert profile.hour_start_min.tolist() == [0.0, 60.0, 120.0]
    # Check-ins per hour from the cumulative turnout; the last hour gets the rest of the day.
    assert profile.checkins == pytest.approx([150.0, 200.0, 150.0])
    # Flat arrivals over three hours: a third of the 500 expected voters each hour.
    assert profile.expected_arrivals == pytest.approx([500 / 3] * 3)
    assert profile.turnout.tolist() == [0.0, 0.15, 0.35]
    assert profile.turnout_time_min.tolist() == [0.0, 60.0, 120.0]
    assert profile.expected_turnout[0] == 0.0 and profile.expected_turnout[-1] == 0.5
    assert profile.expected_time_min[-1] == 180.0


def test_a_half_hour_opening_reads_the_turnout_at_full_hours() -> None:
    summary = {
        "registered": 1000, "turnout": 0.5,
        "arrivals_by_hour": [{"time": "08:30", "arrivals": 200}, {"time": "09:30", "arrivals": 200},
                             {"time": "10:30", "arrivals": 100}],
        "turnout_by_hour": [{"time": "09:00", "cumulative_turnout": 0.1},
                            {"time": "10:00", "cumulative_turnout": 0.3},
                            {"time": "11:00", "cumulative_turnout": 0.45}],
    }
    profile = _one_interval_day("08:30", summary)
    assert profile.turnout_time_min.tolist() == [0.0, 30.0, 90.0, 150.0]
    # Per hour from opening (08:30-09:30, 09:30-10:30, 10:30-11:30), off the curve: 0.2 at
    # 09:30, 0.375 at 10:30, then everyone by the end of the last bar.
    assert profile.checkins == pytest.approx([200.0, 175.0, 125.0])


def test_group_sizing_counts_changes_and_costs() -> None:
    data = SizingData(
        summary={"resources": ["terminals", "desks"], "totals": {"currency": "AZN"},
                 "groups": [{"group": "a", "totals": {"terminals": {"cost_to_add": 100,
                                                                    "cost_recommended": 900},
                                                      "booths": {"cost_to_add": 7}}}]},
        group=["a", "a", "b"],
        current={"terminals": np.array([1, 2, 1]), "desks": np.array([1, 1, 1]),
                 "booths": np.array([2, 2, 2])},
        recommended={"terminals": np.array([2, 1, 1]), "desks": np.array([1, 1, 2]),
                     "booths": np.array([2, 2, 2])},
    )
    a, b = group_sizing(data)
    assert (a.name, a.stations, b.name, b.stations) == ("a", 2, "b", 1)
    assert a.current["terminals"] == 3 and a.recommended["terminals"] == 3
    assert a.more["terminals"] == 1 and a.fewer["terminals"] == 1  # one gains, one gives
    assert b.more == {"terminals": 0, "desks": 1, "booths": 0}
    # Costs over the sized resources only (booths were not sized); none given for group b.
    assert (a.cost_to_add, a.cost_recommended) == (100.0, 900.0)
    assert b.cost_to_add is None and b.cost_recommended is None


def test_run_data_readers_check_what_they_read(tmp_path: Path) -> None:
    assert thresholds_of(tmp_path, {}) is None
    rules = [{"rule": "a < 1", "verdict": "met"}]
    assert thresholds_of(tmp_path, {"thresholds": rules}) == rules
    with pytest.raises(ReportError, match="not a list"):
        thresholds_of(tmp_path, {"thresholds": [{"rule": "a < 1"}]})
    assert read_loadtest(tmp_path, {}) is None
    run = {"loadtest": {}, "replay": {}, "audit": {}, "closed_loop": {}}
    with pytest.raises(ReportError, match=r"loadtest\.json is missing"):
        read_loadtest(tmp_path, run)
    (tmp_path / "loadtest").mkdir()
    series = {"bin_s": 10, "t_s": [0], "count": [1], "p95_ms": [1.0], "p99_ms": [2.0],
              "p99_ms_intended": [3.0]}
    endpoint = {"figure": "checkin", "requests": 1, "attempts": 1, "retries": 0,
                "statuses": {"201": 1}, "errors": {}, "error_count": 0, "error_rate": 0.0}
    rate = {"bin_s": 10, "scheduled_rps": [0.1], "achieved_rps": [0.1]}
    loadtest = {"rate": rate, "endpoints": {"POST /v1/checkins": {**endpoint, "over_time": series},
                                            "GET /v1/results": endpoint}}  # no format: older
    (tmp_path / "loadtest" / "loadtest.json").write_text(json.dumps(loadtest))
    data = read_loadtest(tmp_path, run)
    assert data is not None and data.rate == rate
    assert data.over_time == {"POST /v1/checkins": series}  # endpoints without it left out
    # A file with ``format`` is held to its model (older files only to what the report needs).
    loadtest["format"] = 2
    loadtest["endpoints"]["GET /v1/results"] = {**endpoint, "error_rate": "high"}
    (tmp_path / "loadtest" / "loadtest.json").write_text(json.dumps(loadtest))
    with pytest.raises(ReportError, match=re.escape(
            "loadtest.json: field 'endpoints.GET /v1/results.error_rate': Input should be")):
        read_loadtest(tmp_path, run)
    assert read_capacity(tmp_path) is None
    (tmp_path / "capacity.json").write_text(json.dumps({"headline": {}, "capacity": {}}))
    with pytest.raises(ReportError, match="lacks the keys levels"):
        read_capacity(tmp_path)
    (tmp_path / "capacity.json").write_text(json.dumps(
        {"format": 1, "headline": "", "capacity": {}, "levels": []}))
    with pytest.raises(ReportError, match=r"capacity\.json: lacks the keys exit_code, scenario"):
        read_capacity(tmp_path)
