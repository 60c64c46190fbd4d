"""Exact event logs of the station engine with deterministic inputs, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation import Status, run_station
from tests.simulation.conftest import station_input


def test_fifo_through_every_stage_matches_hand_computed_log() -> None:
    # Three voters, one terminal (30 s), one desk (10 s), one booth (60 s), closing at 100 s.
    out = run_station(station_input([0, 0, 10], close_s=100.0), trace=True)
    assert out.log == [
        (0.0, "arrive", 0),
        (0.0, "scan", 0),
        (0.0, "arrive", 1),
        (10.0, "arrive", 2),
        (30.0, "checked_in", 0),
        (30.0, "desk", 0),
        (30.0, "scan", 1),
        (40.0, "booth", 0),
        (60.0, "checked_in", 1),
        (60.0, "desk", 1),
        (60.0, "scan", 2),
        (90.0, "checked_in", 2),
        (90.0, "desk", 2),
        (100.0, "close", -1),
        (100.0, "exit", 0),
        (100.0, "booth", 1),
        (160.0, "exit", 1),
        (160.0, "booth", 2),
        (220.0, "exit", 2),
        (220.0, "counted", 3),
        (220.0, "protocol", 3),
    ]
    assert out.start_s.tolist() == [0.0, 30.0, 60.0]
    assert out.exit_s.tolist() == [100.0, 160.0, 220.0]
    assert out.status.tolist() == [Status.VOTED] * 3
    assert out.terminal_busy_s == 90.0


def test_two_terminals_serve_in_parallel() -> None:
    out = run_station(station_input([0, 0, 0], terminals=2, desks=3, booths=3))
    assert out.start_s.tolist() == [0.0, 0.0, 30.0]
    assert out.checkin_end_s.tolist() == [30.0, 30.0, 60.0]
    # Desks and booths are plentiful: exit = check-in end + 10 + 60.
    assert out.exit_s.tolist() == [100.0, 100.0, 130.0]


def test_voter_whose_patience_runs_out_leaves_the_line() -> None:
    # Voter 1 would reach the terminal at 30 s but gives up after 20 s in line.
    out = run_station(station_input([0, 0, 0], patience_s=[np.inf, 20.0, 100.0]), trace=True)
    assert out.status.tolist() == [Status.VOTED, Status.RENEGED, Status.VOTED]
    assert out.left_line_s[1] == 20.0
    assert math.isnan(out.start_s[1])
    assert out.start_s[2] == 30.0  # served right after voter 0
    assert (20.0, "renege", 1) in (out.log or [])


def test_closing_without_serving_the_line_turns_people_away() -> None:
    out = run_station(
        station_input([0, 10, 20, 30], close_s=40.0, serve_queue_at_close=False), trace=True
    )
    # Voter 0 scans 0-30, voter 1 scans 30-60 (reached before closing); 2 and 3 are in line.
    assert out.status.tolist() == [Status.VOTED, Status.VOTED, Status.NOT_SERVED, Status.NOT_SERVED]
    assert out.left_line_s[2:].tolist() == [40.0, 40.0]


def test_failed_terminal_requeues_its_voter_and_comes_back_after_repair() -> None:
    # Terminal 0 fails at 10 s (during voter 0's scan) and is repaired after 100 s.
    out = run_station(
        station_input([0, 5], terminals=1, up_s=[[10.0, 1e9]], repair_s=[[100.0, 1.0]]),
        trace=True,
    )
    log = out.log or []
    assert (10.0, "fail", 0) in log and (10.0, "requeue", 0) in log
    assert (110.0, "repaired", 0) in log
    # Voter 0 restarts at 110 and scans for 30 s; voter 1 follows.
    assert out.start_s.tolist() == [0.0, 140.0]
    assert out.checkin_end_s.tolist() == [140.0, 170.0]
    assert out.requeue_segments == [(10.0, 110.0)]
    assert out.terminal_failures == 1 and out.terminal_down_s == 100.0
    assert out.terminal_busy_s == 10.0 + 30.0 + 30.0


def test_failure_moves_the_voter_to_an_idle_terminal() -> None:
    out = run_station(station_input([0], terminals=2, up_s=[[10.0, 1e9]], repair_s=[[100.0, 1.0]]))
    # Terminal 0 took the voter and failed at 10 s; terminal 1 restarts the scan at once.
    assert out.checkin_end_s.tolist() == [40.0]


def test_biometric_refusal_and_duplicates_at_online_and_offline_stations() -> None:
    duplicate = [False, True, False]
    bio_ok = [True, True, False]
    online = run_station(station_input([0, 0, 0], duplicate=duplicate, biometric_ok=bio_ok))
    assert online.status.tolist() == [
        Status.VOTED,
        Status.REFUSED_DUPLICATE,
        Status.REFUSED_BIOMETRIC,
    ]
    assert np.isnan(online.exit_s[1:]).all()
    offline = run_station(
        station_input([0, 0, 0], duplicate=duplicate, biometric_ok=bio_ok, online=False)
    )
    # Offline, nobody can see the other stations: the duplicate votes, found at sync.
    assert offline.status.tolist() == [
        Status.VOTED,
        Status.DUPLICATE_VOTED,
        Status.REFUSED_BIOMETRIC,
    ]


def test_online_call_time_counts_at_the_terminal_and_outages_buffer() -> None:
    # 30 s scan + 2 s call. Voter 1's call would be at 62 s, inside the 50-80 s outage.
    out = run_station(station_input([0, 0, 0], call_s=[2.0, 2.0, 2.0], outages_s=[(50.0, 80.0)]))
    assert out.call_at_s[0] == 30.0
    assert out.checkin_end_s[0] == 32.0
    assert math.isnan(out.call_at_s[1]) and out.buffered_until_s[1] == 80.0
    assert out.checkin_end_s[1] == 62.0  # no call during the outage: no wait for it
    assert out.call_at_s[2] == 92.0 and math.isnan(out.buffered_until_s[2])
    assert out.checkin_end_s[2] == 94.0


def test_timed_out_call_buffers_until_the_next_flush() -> None:
    out = run_station(station_input([0], call_s=[15.0], call_ok=[False], buffer_flush_s=300.0))
    assert out.checkin_end_s[0] == 45.0
    assert out.buffered_until_s[0] == 300.0


def test_counting_starts_after_the_last_voter_and_scales_with_ballots() -> None:
    out = run_station(
        station_input(
            [0, 0],
            close_s=50.0,
            count_setup_s=600.0,
            count_per_ballot_s=5.0,
            upload_delay_s=120.0,
        )
    )
    # Last exit: voter 1 checks in 30-60, desk 60-70, booth 70-130 (booth free at 100).
    assert out.last_exit_s == 160.0
    assert out.count_start_s == 160.0
    assert out.protocol_at_s == 160.0 + 600.0 + 2 * 5.0 + 120.0


def test_empty_station_still_counts_and_uploads_at_closing() -> None:
    out = run_station(station_input([], close_s=500.0, count_setup_s=60.0))
    assert out.count_start_s == 500.0
    assert out.protocol_at_s == 560.0


def test_input_arrays_must_agree_in_length() -> None:
    with pytest.raises(ValueError, match="scan_s has 1 entries for 2 arrivals"):
        station_input([0, 1], scan_s=[1.0])
