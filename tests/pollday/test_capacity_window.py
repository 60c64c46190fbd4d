"""The capacity window, the national peak, and the mapping multiple -> stations, compression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pollday.capacity.window import (
    WindowError,
    auto_window,
    level_load,
    parse_window,
    station_load,
    window_rows,
)
from pollday.run.peaks import PEAK_SPAN_MIN, national_peak, replay_multiples
from simulation import EventKind, load_scenario
from simulation.outputs.schedule import SCHEDULE_DTYPE

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"


def rows_of(events: list[tuple[float, int, int]]) -> np.ndarray:
    """(time_s, kind, station) -> schedule rows, time-sorted."""
    rows = np.zeros(len(events), dtype=SCHEDULE_DTYPE)
    for i, (t, kind, station) in enumerate(sorted(events)):
        rows[i] = (t, kind, station, i)
    return rows


def test_national_peak_is_the_busiest_hour_per_minute_weighted() -> None:
    # Station 0: 120 check-ins in minutes 100-159; station 1: 90 in minutes 0-59 plus
    # duplicates and protocols, which are not check-ins.
    events = [(6000.0 + 30 * k, EventKind.CHECKIN, 0) for k in range(120)]
    events += [(40.0 * k, EventKind.SYNC_CHECKIN, 1) for k in range(90)]
    events += [(10.0 * k, EventKind.DUPLICATE, 1) for k in range(300)]
    events += [(20.0 * k, EventKind.PROTOCOL, 1) for k in range(300)]
    rows = rows_of(events)
    assert national_peak(rows, 2) == (2.0, 100)
    # Station 1 stands for 3 real stations: 270 in its hour beats 120.
    assert national_peak(rows, 2, np.array([1.0, 3.0])) == (4.5, 0)


def test_auto_window_is_the_peak_span_and_parse_window_uses_home_local_time() -> None:
    scenario = load_scenario(SMOKE)
    events = [(7200.0 + 10 * k, EventKind.CHECKIN, 0) for k in range(100)]
    window = auto_window(scenario, rows_of(events), 20)
    assert (window.start_s, window.end_s) == (7200.0, 7200.0 + PEAK_SPAN_MIN * 60)
    assert window.label == "10:00-11:00"  # the smoke day opens at 08:00 at home
    parsed = parse_window("10:00-11:00", scenario)
    assert (parsed.start_s, parsed.end_s) == (window.start_s, window.end_s)
    night = parse_window("22:30-01:00", scenario)  # past midnight: the night of protocols
    assert (night.start_s, night.end_s) == (14.5 * 3600, 17 * 3600)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("morning", "is not 'auto' or 'HH:MM-HH:MM'"),
        ("25:00-26:00", "hours are 00-23"),
        ("07:00-09:00", "starts before the polls open (08:00)"),
    ],
)
def test_bad_windows_are_refused_naming_the_value(text: str, says: str) -> None:
    with pytest.raises(WindowError) as error:
        parse_window(text, load_scenario(SMOKE))
    assert says in str(error.value) and text in str(error.value)


def test_station_load_counts_checkins_and_weights_the_nation() -> None:
    events = [(10.0, EventKind.CHECKIN, 0), (20.0, EventKind.CHECKIN, 0),
              (30.0, EventKind.CHECKIN, 2), (40.0, EventKind.PROTOCOL, 1)]
    rows = rows_of(events)
    assert station_load(rows, 3).tolist() == pytest.approx([2 / 3, 0, 1 / 3])
    # Each simulated station stands for 2: replaying all of them once is half the nation.
    assert station_load(rows, 3, np.full(3, 2.0)).tolist() == pytest.approx([1 / 3, 0, 1 / 6])
    # A window without check-ins counts all its events (the night of protocols).
    night = rows_of([(50.0, EventKind.PROTOCOL, 1), (60.0, EventKind.PROTOCOL, 2)])
    assert station_load(night, 3).tolist() == pytest.approx([0, 0.5, 0.5])


def test_level_load_offers_exactly_the_multiple() -> None:
    load = np.array([0.1, 0.2, 0.3, 0.4])
    order = np.array([3, 1, 0, 2])
    # A 3600-s window in about 60 s is compression 60: 3x needs a share of 0.05, one station.
    one = level_load(3.0, order, load, 3600.0, 60.0)
    assert one.stations.tolist() == [3] and one.compress == pytest.approx(7.5)
    # 40x needs 40/60 of the load: stations 3 and 1 (0.6) fall short, 3, 1, 0 (0.7) do.
    three = level_load(40.0, order, load, 3600.0, 60.0)
    assert three.stations.tolist() == [0, 1, 3]
    assert three.compress * three.share_of_load == pytest.approx(40.0)
    assert 3600.0 / three.compress == pytest.approx(63.0)  # a bit over 60 s: whole stations
    # 120x is more than every station at compression 60: all of them, compressed 120x.
    every = level_load(120.0, order, load, 3600.0, 60.0)
    assert every.stations.tolist() == [0, 1, 2, 3] and every.compress == pytest.approx(120.0)


def test_replay_multiples_of_the_national_peak() -> None:
    events = [(60.0 * k, EventKind.CHECKIN, s) for k in range(60) for s in range(4)]
    events += [(5000.0 + k, EventKind.PROTOCOL, s) for k, s in enumerate(range(4))]
    rows = rows_of(events)
    kept = np.array([0, 1])
    # Half the stations at 240x: 120x the check-in peak, and 120x the protocols' (each
    # station's protocol is in the same hour).
    assert replay_multiples(rows, 4, kept, 240.0) == {
        "checkins": 120.0, "protocols": 120.0, "results_reads": None}


def test_window_rows_are_half_open() -> None:
    scenario = load_scenario(SMOKE)
    rows = rows_of([(3599.0, EventKind.CHECKIN, 0), (3600.0, EventKind.CHECKIN, 0),
                    (7200.0, EventKind.CHECKIN, 0)])
    window = parse_window("09:00-10:00", scenario)
    assert window_rows(rows, window)["time_s"].tolist() == [3600.0]


def test_national_multiples_for_pollday_run() -> None:
    from types import SimpleNamespace

    from loadtests.plan import kept_stations
    from pollday.run.peaks import national_multiples

    events = [(60.0 * k, EventKind.CHECKIN, s) for k in range(60) for s in range(10)]
    # The fields of a NationalResult these read: 10 stations of one group, each one station.
    stations = np.zeros(10, dtype=[("group", np.int64)]).view(np.recarray)
    scenario = SimpleNamespace(station_groups=[SimpleNamespace(weight=1.0)])
    result = SimpleNamespace(schedule=rows_of(events), stations=stations, scenario=scenario)
    kept = kept_stations(10, 0.3, 7)
    assert len(kept) == 3
    assert national_multiples(result, 0.3, 100.0, 7) == {
        "national_peak_checkins_per_min": 10.0,
        "national_multiple": {"checkins": 30.0, "protocols": None, "results_reads": None}}
