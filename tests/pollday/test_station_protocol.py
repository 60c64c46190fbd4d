"""`pollday station` says when the protocol goes up and in how many attempts, or that the
ballots are counted elsewhere (not zero attempts): issue 23."""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.cli import main
from pollday.station.api import StationOptions, station_answer

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_station_counted_elsewhere_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    answer = station_answer(StationOptions(scenario=SCENARIOS / "india-central-count.toml",
                                           replications=2))
    assert answer.protocol is not None and answer.protocol.counted_elsewhere
    assert answer.protocol.attempts_per_day is None and answer.protocol.uploaded is None
    assert main(["station", "--scenario", str(SCENARIOS / "india-central-count.toml"),
                 "--replications", "2"]) == 0
    assert "counted elsewhere" in capsys.readouterr().out


def test_a_station_with_failing_uploads_counts_its_attempts() -> None:
    answer = station_answer(StationOptions(scenario=SCENARIOS / "results-retry-storm.toml",
                                           replications=30))
    p = answer.protocol
    assert p is not None and not p.counted_elsewhere
    # 7 attempts in 10 fail, at most 10 tried: (1 - 0.7^10) / 0.3 = 3.24 a day on average.
    assert p.attempts_per_day is not None and 2 < p.attempts_per_day < 5
    assert p.uploaded is not None and p.not_uploaded_share is not None
