"""The open-model dispatcher and the job plan, on a fake clock (no locust, no network)."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simulation
from loadtests.dispatcher import Dispatcher
from loadtests.plan import (
    BATCH_MAX,
    JobKind,
    JobPlan,
    build_jobs,
    event_weights,
    kept_stations,
    partition_stations,
    select_rows,
    with_public,
)
from simulation import SCHEDULE_DTYPE, EventKind

REPO = Path(__file__).resolve().parents[2]


class FakeLoop:
    """A discrete-event clock: ``sleep_until`` runs the callbacks due before it returns."""

    def __init__(self) -> None:
        self.t = 0.0
        self.timers: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = 0

    def now(self) -> float:
        return self.t

    def call_at(self, t: float, fn: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.timers, (t, self.seq, fn))

    def sleep_until(self, t: float) -> None:
        while self.timers and self.timers[0][0] <= t:
            due, _, fn = heapq.heappop(self.timers)
            self.t = max(self.t, due)
            fn()
        self.t = max(self.t, t)

    def drain(self) -> None:
        self.sleep_until(float("inf"))


class FakeSender:
    """Answers after ``latency(job)`` seconds; records send times and in-flight counts."""

    def __init__(self, loop: FakeLoop, plan: JobPlan, latency: Callable[[int], float]) -> None:
        self.loop, self.plan, self.latency = loop, plan, latency
        self.sent: dict[int, float] = {}
        self.inflight: dict[int, int] = {}
        self.max_inflight: dict[int, int] = {}

    def send(self, job: int, done: Callable[[int], None]) -> None:
        assert job not in self.sent, f"job {job} sent twice"
        self.sent[job] = self.loop.now()
        s = int(self.plan.station[job])
        self.inflight[s] = self.inflight.get(s, 0) + 1
        self.max_inflight[s] = max(self.max_inflight.get(s, 0), self.inflight[s])

        def finish() -> None:
            self.inflight[s] -= 1
            done(job)

        self.loop.call_at(self.loop.now() + self.latency(job), finish)


def rows(*events: tuple[float, int, int, int]) -> np.ndarray:
    out = np.array(list(events), dtype=SCHEDULE_DTYPE)
    return out[np.argsort(out["time_s"], kind="stable")]


def run(plan: JobPlan, caps: list[int], latency: Callable[[int], float]
        ) -> tuple[Dispatcher, FakeSender, list[float]]:
    loop = FakeLoop()
    sender = FakeSender(loop, plan, latency)
    lags: list[float] = []
    d = Dispatcher(plan, np.array(caps, dtype=np.int64), loop, sender, on_lag=lags.append)
    d.run()
    loop.drain()
    return d, sender, lags


def test_every_event_fires_at_its_intended_time_whatever_the_latency() -> None:
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 600, 400))
    sched = rows(*[(float(t), EventKind.CHECKIN, int(k % 40), k) for k, t in enumerate(times)])
    plan = build_jobs(sched, compress=60.0)
    # Slow answers (up to 2 s) but 40 stations with 50 terminals each: never capped.
    d, sender, lags = run(plan, [50] * 40, lambda j: 2.0 * ((j * 7919) % 13) / 13)
    assert len(sender.sent) == len(plan) == 400
    for j, at in sender.sent.items():
        assert at == pytest.approx(plan.time_s[j], abs=1e-9)
    assert max(lags) == pytest.approx(0.0, abs=1e-9)
    assert d.sent_events == d.plan.scheduled_events == 400
    assert d.dropped_events == 0 and not d.busy


def test_a_station_never_has_more_requests_in_flight_than_terminals() -> None:
    # Station 0 (1 terminal) gets 5 check-ins 0.1 s apart, each answered after 1 s: they are
    # sent one after the other. Station 1 (2 terminals) is just as slow, with two in flight.
    sched = rows(*[(0.1 * k, EventKind.CHECKIN, 0, k) for k in range(5)],
                 *[(0.1 * k, EventKind.CHECKIN, 1, k) for k in range(5)])
    plan = build_jobs(sched, compress=1.0)
    _, sender, _ = run(plan, [1, 2], lambda j: 1.0)
    assert sender.max_inflight == {0: 1, 1: 2}
    s0 = sorted(at for j, at in sender.sent.items() if plan.station[j] == 0)
    assert s0 == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])
    s1 = sorted(at for j, at in sender.sent.items() if plan.station[j] == 1)
    assert s1 == pytest.approx([0.0, 0.1, 1.0, 1.1, 2.0])


def test_a_slow_station_does_not_hold_back_the_others() -> None:
    sched = rows(*[(1.0 * k, EventKind.CHECKIN, k % 2, k) for k in range(10)])
    plan = build_jobs(sched, compress=1.0)
    _, sender, _ = run(plan, [1, 1], lambda j: 30.0 if plan.station[j] == 0 else 0.01)
    for j, at in sender.sent.items():
        if plan.station[j] == 1:
            assert at == pytest.approx(plan.time_s[j])


def test_a_protocol_waits_until_its_station_has_nothing_in_flight() -> None:
    sched = rows((0.0, EventKind.CHECKIN, 0, 1), (0.1, EventKind.CHECKIN, 0, 2),
                 (0.2, EventKind.PROTOCOL, 0, -1), (0.3, EventKind.CHECKIN, 0, 3))
    plan = build_jobs(sched, compress=1.0)
    _, sender, _ = run(plan, [2], lambda j: 1.0)
    by_kind = {int(plan.kind[j]): at for j, at in sender.sent.items()}
    protocol_at = next(at for j, at in sender.sent.items() if plan.kind[j] == JobKind.PROTOCOL)
    assert protocol_at == pytest.approx(1.1)  # after both check-ins answered (1.0 and 1.1)
    # The later check-in queued behind it (first in, first out), not before it.
    assert by_kind[JobKind.CHECKIN] == pytest.approx(1.1)


def test_stopping_drops_what_was_not_sent() -> None:
    sched = rows(*[(float(k), EventKind.CHECKIN, 0, k) for k in range(10)])
    plan = build_jobs(sched, compress=1.0)
    loop = FakeLoop()
    sender = FakeSender(loop, plan, lambda j: 0.01)
    d = Dispatcher(plan, np.array([1]), loop, sender)
    loop.call_at(4.5, d.stop)
    d.run()
    loop.drain()
    assert d.sent_jobs == 5 and d.dropped_events == 5


def test_sync_rows_of_a_station_and_time_make_one_batch_split_at_the_limit() -> None:
    n = BATCH_MAX + 120
    sched = rows(*[(900.0, EventKind.SYNC_CHECKIN, 3, k) for k in range(n)],
                 (900.0, EventKind.SYNC_DUPLICATE, 3, -1),
                 (900.0, EventKind.SYNC_CHECKIN, 4, 0),  # same time, other station
                 (900.0, EventKind.CHECKIN, 3, 9999),  # same station and time, online
                 (1800.0, EventKind.SYNC_CHECKIN, 3, n))
    plan = build_jobs(sched, compress=60.0)
    batches = [j for j in range(len(plan)) if plan.kind[j] == JobKind.BATCH]
    sizes = sorted((int(plan.station[j]), float(plan.time_s[j]), int(plan.count[j]))
                   for j in batches)
    assert sizes == [(3, 15.0, 121), (3, 15.0, BATCH_MAX), (3, 30.0, 1), (4, 15.0, 1)]
    for j in batches:  # each batch's rows are its station's sync rows at its time
        part = plan.rows[plan.first[j]:plan.first[j] + plan.count[j]]
        assert set(part["station"]) == {plan.station[j]}
        assert set(part["time_s"]) == {plan.time_s[j] * 60}
        assert set(part["kind"]) <= {EventKind.SYNC_CHECKIN, EventKind.SYNC_DUPLICATE}
    assert plan.scheduled_events == len(sched)
    covered = np.concatenate([np.arange(plan.first[j], plan.first[j] + plan.count[j])
                              for j in range(len(plan))])
    assert sorted(covered.tolist()) == list(range(len(sched)))


def test_public_reads_merge_in_time_order_without_schedule_rows() -> None:
    plan = build_jobs(rows((0.0, EventKind.CHECKIN, 0, 0), (60.0, EventKind.CHECKIN, 0, 1)),
                      compress=60.0)
    merged = with_public(plan, np.array([0.5, 2.0]), JobKind.RESULTS)
    assert merged.time_s.tolist() == [0.0, 0.5, 1.0, 2.0]
    assert merged.station.tolist() == [0, -1, 0, -1]
    assert merged.scheduled_events == 2


def test_station_share_is_deterministic_and_nested() -> None:
    a = kept_stations(1000, 0.1, seed=42)
    assert len(a) == 100
    assert np.array_equal(a, kept_stations(1000, 0.1, seed=42))
    assert set(a) <= set(kept_stations(1000, 0.3, seed=42))
    assert not np.array_equal(a, kept_stations(1000, 0.1, seed=43))
    assert len(kept_stations(1000, 1.0, seed=1)) == 1000
    with pytest.raises(ValueError):
        kept_stations(10, 0.0, seed=1)


@pytest.fixture(scope="module")
def smoke_schedule() -> np.ndarray:
    scenario = simulation.load_scenario(REPO / "scenarios" / "smoke.toml")
    schedule: np.ndarray = simulation.simulate(scenario, workers=1).schedule
    return schedule


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_workers_split_the_stations_disjointly_and_replay_everything_once(
        smoke_schedule: np.ndarray, workers: int) -> None:
    kept = kept_stations(20, 0.75, seed=42)
    weights = event_weights(smoke_schedule, kept)
    parts = partition_stations(kept, weights, workers)
    again = partition_stations(kept, weights, workers)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))
    flat = np.concatenate(parts)
    assert sorted(flat.tolist()) == kept.tolist()  # complete and disjoint
    loads = [int(weights[np.isin(kept, p)].sum()) for p in parts]
    assert max(loads) - min(loads) <= int(weights.max())  # balanced to within one station
    # The workers' plans together cover every kept row exactly once.
    rows_seen = [build_jobs(select_rows(smoke_schedule, p), 60.0).rows for p in parts]
    total = select_rows(smoke_schedule, kept)
    assert sum(len(r) for r in rows_seen) == len(total)
    union = np.sort(np.concatenate(rows_seen), order=["time_s", "station", "kind", "voter"])
    assert np.array_equal(union, np.sort(total, order=["time_s", "station", "kind", "voter"]))
