"""The station model against queueing theory: Erlang C, and Little's law with Erlang C's Lq."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import build_stations, load_scenario, plan_station, run_station, simulate_station
from simulation.scenario.model import Scenario
from simulation.sizing.queueing import erlang_c, mmc_mean_wait
from simulation.station.metrics import QUEUE_BIN_S
from simulation.station.waits import queue_curve
from simulation.stations import StationTable
from tests.simulation.conftest import SMOKE
from tests.simulation.single_stage import DAY_S, single_stage_scenario

WARM_UP_S = 5 * 3600  # the day starts empty; waits are compared in steady state
SCAN_MEAN_S = 6.0

N_STATIONS = 16


def _mmc(servers: int, utilisation: float) -> tuple[float, float, Scenario, StationTable]:
    """An M/M/c day at ``utilisation``: scan time grows with the servers so every case has the
    same arrival rate (and cost). Returns (scan mean s, arrivals per s, scenario, stations)."""
    scan_mean_s = SCAN_MEAN_S * servers
    arrivals_per_s = utilisation * servers / scan_mean_s
    scenario = single_stage_scenario(terminals=servers, arrivals_per_s=arrivals_per_s,
                                     scan_mean_s=scan_mean_s, stations=N_STATIONS)
    return scan_mean_s, arrivals_per_s, scenario, build_stations(scenario)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("servers", "utilisation"), [(1, 0.5), (2, 0.8), (4, 0.9), (1, 0.95), (3, 0.95)]
)
def test_single_stage_matches_erlang_c(servers: int, utilisation: float) -> None:
    scan_mean_s, arrivals_per_s, scenario, stations = _mmc(servers, utilisation)
    mean_waits, shares_waiting = [], []
    for s in range(N_STATIONS):
        plan = plan_station(scenario, stations, s)
        out = run_station(plan.input)
        steady = plan.input.arrival_s >= WARM_UP_S
        waits = (out.start_s - plan.input.arrival_s)[steady]
        mean_waits.append(waits.mean())
        shares_waiting.append(np.mean(waits > 0))
    # Stations are independent replications: tolerances come from their spread.
    mean_wait, se_wait = np.mean(mean_waits), np.std(mean_waits, ddof=1) / np.sqrt(N_STATIONS)
    share, se_share = np.mean(shares_waiting), np.std(shares_waiting, ddof=1) / np.sqrt(N_STATIONS)
    expected_wait = mmc_mean_wait(servers, arrivals_per_s, scan_mean_s)
    expected_share = erlang_c(servers, arrivals_per_s * scan_mean_s)
    print(
        f"c={servers} rho={utilisation}: wait {mean_wait:.3f}±{se_wait:.3f} "
        f"(theory {expected_wait:.3f}), P(wait) {share:.4f}±{se_share:.4f} "
        f"(theory {expected_share:.4f})"
    )
    assert abs(mean_wait - expected_wait) < 4 * se_wait + 0.01 * expected_wait, (
        mean_wait,
        expected_wait,
        se_wait,
    )
    assert abs(share - expected_share) < 4 * se_share + 0.005, (share, expected_share, se_share)


def test_erlang_c_known_values() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # Textbook value: 10 agents, 8 Erlangs -> P(wait) = 0.409.
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    with pytest.raises(ValueError, match="stability"):
        erlang_c(2, 2.0)


@pytest.mark.slow
@pytest.mark.parametrize(("servers", "utilisation"), [(2, 0.8), (4, 0.9)])
def test_time_average_line_length_matches_erlang_c(servers: int, utilisation: float) -> None:
    """Little's law against theory: the reported queue curve's time average is Lq = lambda Wq.

    The curve (``queue_length.npz``'s 5-minute bins) is measured from when people join and
    leave the line; Lq comes from Erlang C. A model that served people in the wrong order
    or at the wrong rate, or a curve that miscounted who is in line, would miss it.
    """
    scan_mean_s, arrivals_per_s, scenario, stations = _mmc(servers, utilisation)
    # Steady state: from the warm-up to an hour before closing (no end-of-day effects).
    first_bin = int(WARM_UP_S // QUEUE_BIN_S)
    last_bin = int((DAY_S - 3600) // QUEUE_BIN_S)
    seed = scenario.election.seed
    lengths = []
    for s in range(N_STATIONS):
        result = simulate_station(scenario, stations, s, replication=0, seed=seed)
        lengths.append(float(np.mean(result.queue_bins[first_bin:last_bin])))
    mean_length = float(np.mean(lengths))
    se_length = float(np.std(lengths, ddof=1) / np.sqrt(N_STATIONS))
    expected = arrivals_per_s * mmc_mean_wait(servers, arrivals_per_s, scan_mean_s)
    print(f"c={servers} rho={utilisation}: Lq {mean_length:.3f}±{se_length:.3f} ({expected:.3f})")
    assert abs(mean_length - expected) < 4 * se_length + 0.01 * expected, (
        mean_length,
        expected,
        se_length,
    )


def test_queue_curve_area_equals_time_in_line() -> None:
    """Measurement consistency, not a check of the model: the binned queue curve (computed
    by prefix sums) integrates to the person-seconds in line summed directly per person,
    first waits and requeues after terminal failures included."""
    scenario = load_scenario(SMOKE)
    stations = build_stations(scenario)
    requeued = 0
    for s in range(len(stations)):
        plan = plan_station(scenario, stations, s)
        out = run_station(plan.input)
        left = np.where(np.isnan(out.start_s), out.left_line_s, out.start_s)
        time_in_line_s = float(np.sum(left - plan.input.arrival_s))
        time_in_line_s += sum(b - a for a, b in out.requeue_segments)
        requeued += len(out.requeue_segments)
        begin = np.concatenate([plan.input.arrival_s, [a for a, _ in out.requeue_segments]])
        end = np.concatenate([left, [b for _, b in out.requeue_segments]])
        horizon_bins = int(np.ceil(np.nanmax(end, initial=0) / QUEUE_BIN_S)) + 1
        curve = queue_curve(begin, end, QUEUE_BIN_S, horizon_bins)
        area = float(curve.astype(np.float64).sum() * QUEUE_BIN_S)
        assert area == pytest.approx(time_in_line_s, rel=1e-5, abs=1e-3)
    assert requeued > 0  # the smoke day has terminal failures mid-check-in


def test_flat_arrivals_are_poisson_per_interval() -> None:
    scenario = single_stage_scenario(terminals=1, arrivals_per_s=0.01, scan_mean_s=1, stations=400)
    stations = build_stations(scenario)
    counts = np.array([plan_station(scenario, stations, s).input.size for s in range(400)])
    expected = 0.01 * DAY_S
    # Poisson: mean and variance both equal the expectation.
    assert abs(counts.mean() - expected) < 4 * np.sqrt(expected / 400)
    assert counts.var(ddof=1) / expected == pytest.approx(1.0, abs=4 * np.sqrt(2 / 399))
