"""Close the loop: re-simulate the day with the check-in latency the target really had.

The load test measures the latency of the endpoint aliased ``checkin`` (``POST /v1/checkins``,
or an adapter's own) from the send (percentiles 1..99 in ``loadtest.json``); those become an
empirical distribution that replaces the scenario's assumed ``central.latency_s``, and the
day is simulated again with the same seed. Only the central call changes, so the difference
in station waits is the service's doing.
"""

from __future__ import annotations

from typing import Any

from loadtests.figures.measured import day_figures
from pollday.models.run import ClosedLoop
from simulation import RunOptions, national_summary, simulate
from simulation.national.runner import ProgressCallback
from simulation.scenario.distributions import Empirical
from simulation.scenario.model import Scenario


def measured_latency(loadtest: dict[str, Any]) -> Empirical | None:
    """The measured check-in latency as a distribution (seconds), or None if not measured."""
    sample = loadtest.get("checkin_latency_ms", {})
    values = [v for v in sample.get("values_ms", []) if v is not None]
    if int(sample.get("count", 0)) == 0 or not values:
        return None
    return Empirical(kind="empirical", values=[max(0.0, v) / 1000 for v in values])


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The ``loop.*`` figures of a day, and the ones the report shows beside them."""
    return day_figures("loop", summary, judged=False)


def close_the_loop(
    scenario: Scenario,
    assumed_summary: dict[str, Any],
    loadtest: dict[str, Any],
    *,
    workers: int,
    seed: int,
    cluster: str | None = None,
    progress: ProgressCallback | None = None,
) -> ClosedLoop:
    """``progress`` gets the stations simulated again, as the first simulation's does."""
    latency = measured_latency(loadtest)
    if latency is None:
        return ClosedLoop(measured=False, reason="no check-in latency was measured")
    result = simulate(
        scenario, options=RunOptions(seed=seed, central_latency_s=latency), workers=workers,
        cluster=cluster, progress=progress,
    )
    measured = national_summary(result)
    return ClosedLoop(
        measured=True,
        assumed_latency_mean_s=round(scenario.central.latency_s.mean, 4),
        measured_latency_mean_s=round(latency.mean, 4),
        assumed=_figures(assumed_summary),
        with_measured_latency=_figures(measured),
    )
