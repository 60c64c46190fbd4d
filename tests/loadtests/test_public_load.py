"""The public streams: the results readers' curve over the day and night, webcam viewers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from loadtests.public_load import (
    NIGHT_DECAY_S,
    NIGHT_RISE_S,
    PUBLICATION_BUMP,
    PUBLICATION_DECAY_S,
    home_timeline,
    publications_s,
    results_multiplier,
    results_reads,
    webcam_views,
)
from simulation import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[2]
DAY_LEVEL = 0.1


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(REPO / "scenarios" / "azerbaijan-2024.toml")


def _m(scenario: Scenario, t_s: float, last_protocol_s: float) -> float:
    return float(results_multiplier(np.array([t_s]), scenario, last_protocol_s, DAY_LEVEL)[0])


def test_publications_are_the_official_intraday_times(scenario: Scenario) -> None:
    opening_s, closing_s = home_timeline(scenario)
    assert closing_s - opening_s == 11 * 3600
    hours = [(p - opening_s) / 3600 for p in publications_s(scenario)]
    assert hours == [2, 4, 7, 9, 11]  # 10:00, 12:00, 15:00, 17:00, 19:00 after an 08:00 opening


def test_the_day_level_bumps_at_each_publication_and_decays(scenario: Scenario) -> None:
    opening_s, closing_s = home_timeline(scenario)
    first = publications_s(scenario)[0]
    last_protocol_s = closing_s + 6 * 3600
    assert _m(scenario, opening_s + 60, last_protocol_s) == pytest.approx(DAY_LEVEL)
    assert _m(scenario, first, last_protocol_s) == pytest.approx(DAY_LEVEL + PUBLICATION_BUMP)
    later = _m(scenario, first + PUBLICATION_DECAY_S, last_protocol_s)
    assert later == pytest.approx(DAY_LEVEL + PUBLICATION_BUMP / math.e)


def test_after_closing_the_rate_rises_to_the_peak_holds_then_decays(scenario: Scenario) -> None:
    _, closing_s = home_timeline(scenario)
    last_protocol_s = closing_s + 6 * 3600
    half_rise = _m(scenario, closing_s + NIGHT_RISE_S / 2, last_protocol_s)
    assert half_rise == pytest.approx(DAY_LEVEL + (1 - DAY_LEVEL) / 2)
    assert _m(scenario, closing_s + NIGHT_RISE_S, last_protocol_s) == 1.0
    assert _m(scenario, last_protocol_s, last_protocol_s) == 1.0
    decayed = _m(scenario, last_protocol_s + NIGHT_DECAY_S, last_protocol_s)
    assert decayed == pytest.approx(1 / math.e)


def test_reads_follow_the_curve_and_workers_share_them(scenario: Scenario) -> None:
    _, closing_s = home_timeline(scenario)
    last_protocol_s = closing_s + 6 * 3600
    compress, peak_rps = 60.0, 50.0
    kw = {"peak_rps": peak_rps, "day_level": DAY_LEVEL, "compress": compress,
          "last_protocol_s": last_protocol_s}
    whole = results_reads(scenario, worker=0, workers=1, **kw)
    # The night plateau (closing + 30 min .. last protocol) is at the peak rate.
    lo, hi = (closing_s + NIGHT_RISE_S) / compress, last_protocol_s / compress
    plateau = int(((whole >= lo) & (whole < hi)).sum())
    expected = peak_rps * (hi - lo)
    assert abs(plateau - expected) < 4 * math.sqrt(expected), (plateau, expected)
    # Over the whole test: the integral of the curve, within 4 Poisson sigmas.
    grid_s = np.linspace(0, last_protocol_s + 2 * NIGHT_DECAY_S, 200_001)
    mean_share = float(results_multiplier(grid_s, scenario, last_protocol_s, DAY_LEVEL).mean())
    total = peak_rps * grid_s[-1] / compress * mean_share
    assert abs(len(whole) - total) < 4 * math.sqrt(total), (len(whole), total)
    parts = [results_reads(scenario, worker=w, workers=2, **kw) for w in range(2)]
    assert len(np.intersect1d(parts[0], parts[1])) == 0  # own streams: nothing repeated
    assert abs(sum(len(p) for p in parts) - total) < 4 * math.sqrt(total)


def test_webcam_views_run_from_opening_to_the_last_protocol(scenario: Scenario) -> None:
    opening_s, closing_s = home_timeline(scenario)
    last_protocol_s = closing_s + 3 * 3600
    views = webcam_views(scenario, rps=5.0, compress=100.0, last_protocol_s=last_protocol_s,
                         worker=0, workers=1)
    assert views.min() >= opening_s / 100 and views.max() <= last_protocol_s / 100
    expected = 5.0 * (last_protocol_s - opening_s) / 100
    assert abs(len(views) - expected) < 4 * math.sqrt(expected)
    assert np.all(np.diff(views) >= 0)
