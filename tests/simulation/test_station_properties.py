"""Property tests of the station engine over random small days (hypothesis).

Long repairs that run past closing while people give up in line once made the count start
"in the past" (``ValueError: Negative delay``). Whatever the day, the engine must finish
and account for every person exactly once. The days include empty and one-person stations
(a zero-voter station once crashed a national run) and late openings, up to one that never
opens before closing.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation import Status, run_station
from simulation.station.flow_input import FlowInput, PoolFaults, StageInput
from tests.simulation.conftest import station_input

_times = st.floats(min_value=0, max_value=2000, allow_nan=False)
_patience = st.one_of(st.just(np.inf), st.floats(min_value=0, max_value=3000))


@st.composite
def _days(draw: st.DrawFn) -> dict[str, object]:
    # Empty and one-person stations on purpose, not only when the draw happens to hit them.
    n = draw(st.one_of(st.just(0), st.just(1), st.integers(0, 25)))
    arrivals = sorted(draw(st.lists(_times, min_size=n, max_size=n)))
    terminals = draw(st.integers(1, 3))
    ups = [
        [*draw(st.lists(st.floats(0.1, 1500), min_size=1, max_size=4)), 1e9]
        for _ in range(terminals)
    ]
    repairs = [
        draw(st.lists(st.floats(0, 20_000), min_size=len(u), max_size=len(u))) for u in ups
    ]
    close_s = draw(st.floats(10, 2500))
    # On time, late by a share of the day, or never open before closing.
    opens_share = draw(st.one_of(st.just(0.0), st.floats(0, 1), st.just(1.0)))
    return dict(
        arrivals=arrivals,
        opens_s=opens_share * close_s,
        patience_s=draw(st.lists(_patience, min_size=n, max_size=n)),
        biometric_ok=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        duplicate=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        terminals=terminals,
        up_s=tuple(ups),  # tuples: station_input turns lists into arrays
        repair_s=tuple(repairs),
        close_s=close_s,
        serve_queue_at_close=draw(st.booleans()),
        online=draw(st.booleans()),
        count_setup_s=draw(st.floats(0, 100)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_days())
def test_any_day_finishes_and_accounts_for_everyone(day: dict[str, object]) -> None:
    arrivals = day.pop("arrivals")
    assert isinstance(arrivals, list)
    n = len(arrivals)
    day["patience_s"] = np.asarray(day["patience_s"], dtype=float).reshape(n)
    out = run_station(station_input(arrivals, **day))
    counts = np.bincount(out.status, minlength=len(Status))
    voted = counts[Status.VOTED] + counts[Status.DUPLICATE_VOTED]
    refused = counts[Status.REFUSED_BIOMETRIC] + counts[Status.REFUSED_DUPLICATE]
    assert voted + counts[Status.RENEGED] + refused + counts[Status.NOT_SERVED] == n
    assert out.count_start_s >= day["close_s"]  # type: ignore[operator]
    assert out.count_start_s >= out.last_exit_s
    assert out.protocol_at_s >= out.count_start_s
    # Everyone who voted left through the last stage, after arriving (a status that starts
    # as "voted" cannot hide someone stuck in a line); nobody is left without an end.
    went = np.isin(out.status, (Status.VOTED, Status.DUPLICATE_VOTED))
    assert not np.isnan(out.exit_s[went]).any()
    assert (out.exit_s[went] >= np.asarray(arrivals, dtype=float)[went]).all()
    ended = np.where(np.isnan(out.exit_s), out.left_line_s, out.exit_s)
    ended = np.where(np.isnan(ended), out.checkin_end_s, ended)
    assert not np.isnan(ended).any()
    # Nobody is served before the station opens, late or not (every stage's start).
    opens_s = float(day["opens_s"])  # type: ignore[arg-type]
    for started in out.stage_start_s:
        assert (started[~np.isnan(started)] >= opens_s).all()


def test_repair_past_closing_with_impatient_line_counts_at_closing() -> None:
    # The only terminal fails idle at 10 s for 5,000 s; both voters give up after 100 s in
    # line. The engine notices only when the terminal comes back, long after closing.
    out = run_station(
        station_input(
            [20, 20],
            patience_s=[100.0, 100.0],
            up_s=[[10.0, 1e9]],
            repair_s=[[5000.0, 1.0]],
            close_s=1000.0,
            count_setup_s=60.0,
        ),
        trace=True,
    )
    assert out.status.tolist() == [Status.RENEGED, Status.RENEGED]
    assert out.left_line_s.tolist() == [120.0, 120.0]
    assert out.last_exit_s == 120.0
    # The station was empty from 120 s: the count starts at closing, as if it had known.
    assert out.count_start_s == 1000.0
    assert out.protocol_at_s == 1060.0
    assert (out.log or [])[-2:] == [(1060.0, "counted", 0), (1060.0, "protocol", 0)]


@st.composite
def _flow_days(draw: st.DrawFn) -> dict[str, object]:
    day = draw(_days())
    n = len(day["arrivals"])  # type: ignore[arg-type]
    pools = [(f"p{k}", draw(st.integers(1, 2))) for k in range(draw(st.integers(1, 3)))]
    stages: list[StageInput] = []
    for k in range(draw(st.integers(1, 4))):
        # A kept unit serves the next stage too (the scenario schema's rule: no deadlock).
        kept = bool(stages) and stages[-1].keep_unit
        stages.append(
            StageInput(
                name=f"s{k}",
                pool=stages[-1].pool if kept else draw(st.integers(0, len(pools) - 1)),
                service_s=np.asarray(
                    draw(st.lists(st.floats(0, 300), min_size=n, max_size=n)), dtype=float
                ),
                keep_unit=draw(st.booleans()),
                reneging=draw(st.booleans()),
                identification=k == 0,
            )
        )
    if stages[-1].keep_unit:
        stages[-1] = StageInput(**{**stages[-1].__dict__, "keep_unit": False})
    routes = [tuple(range(len(stages))), (0,)]
    route = np.asarray(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=np.int64)
    pool = draw(st.integers(0, len(pools) - 1))
    units = pools[pool][1]
    ups = [[*draw(st.lists(st.floats(0.1, 1500), min_size=1, max_size=3)), 1e9]
           for _ in range(units)]
    downs = [draw(st.lists(st.floats(0, 20_000), min_size=len(u), max_size=len(u))) for u in ups]
    swaps = [draw(st.lists(st.booleans(), min_size=len(u), max_size=len(u))) for u in ups]
    day["flow"] = FlowInput(pools=pools, stages=stages, routes=routes, route=route)
    day["faults"] = [PoolFaults(pool, ups, downs, swaps)]
    return day


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_flow_days())
def test_any_flow_finishes_and_accounts_for_everyone(day: dict[str, object]) -> None:
    test_any_day_finishes_and_accounts_for_everyone.hypothesis.inner_test(day)  # type: ignore[attr-defined]
