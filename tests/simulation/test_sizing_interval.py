"""The sizing interval: sizing.csv's p95 wait interval of each station is the t interval of
the replications' p95 waits of its band's answer (and of its current hardware), never
below zero."""

from __future__ import annotations

import math
import statistics

import pytest

from simulation import build_stations, load_scenario
from simulation.sizing.search import BandAnswer, Evaluation
from simulation.sizing.summary import station_rows
from tests.simulation.conftest import SMOKE

UNITS = (("terminal", 2), ("desk", 1), ("booth", 2))
T_975_3 = 3.1824  # Student's t, 97.5 % quantile, 3 degrees of freedom (tables)


def _evaluation(p95_wait_min: list[float]) -> Evaluation:
    return Evaluation(UNITS, 0.75, p95_wait_min, 1.5, 4.0)


def test_each_stations_interval_is_the_t_interval_of_its_bands_replications() -> None:
    scenario = load_scenario(SMOKE)
    stations = build_stations(scenario)
    waits = [12.0, 20.0, 16.0, 8.0]  # mean 14, four replications
    near_zero = [0.1, 0.0, 0.5, 0.2]  # its interval would reach below zero
    answer = BandAnswer(group=0, representative=3, stations=[1, 3], units=UNITS,
                        final=_evaluation(waits), current=_evaluation(near_zero))
    rows = station_rows(scenario, stations, [answer])
    assert [r["index"] for r in rows] == [1, 3]
    half = T_975_3 * statistics.stdev(waits) / math.sqrt(4)  # 3.1824 x 5.164 / 2 = 8.217
    for row in rows:
        assert row["p95_wait_min"] == 14.0
        assert row["p95_wait_ci_low"] == pytest.approx(14.0 - half, abs=0.006)
        assert row["p95_wait_ci_high"] == pytest.approx(14.0 + half, abs=0.006)
        assert row["verified_on"] == 3 and row["target_met_share"] == 0.75
        # The current hardware's interval on the same days, cut at zero minutes.
        mean = statistics.mean(near_zero)
        assert row["current_p95_wait_min"] == round(mean, 2)
        assert row["current_p95_wait_ci_low"] == 0.0
        high = mean + T_975_3 * statistics.stdev(near_zero) / 2
        assert row["current_p95_wait_ci_high"] == pytest.approx(high, abs=0.006)
