"""Fault injection: latency, errors, a one-time stall, only on the chosen endpoints."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from service.faults import (
    FaultConfig,
    FaultInjectionMiddleware,
    FaultSpecError,
    parse_endpoints,
    parse_latency_spec,
)
from tests.service.service_support import Server


def test_latency_specs_parse_and_sample() -> None:
    rng = np.random.default_rng(1)
    assert parse_latency_spec("50").sample_ms(rng) == 50.0
    samples = [parse_latency_spec("uniform:10:20").sample_ms(rng) for _ in range(200)]
    assert min(samples) >= 10 and max(samples) <= 20
    exp = [parse_latency_spec("exp:40").sample_ms(rng) for _ in range(4000)]
    assert abs(np.mean(exp) - 40) < 4 * 40 / np.sqrt(4000)
    lognormal = [parse_latency_spec("lognormal:30:0.5").sample_ms(rng) for _ in range(4000)]
    assert abs(np.median(lognormal) - 30) < 2
    for bad in ("", "-5", "exp", "exp:1:2", "gamma:1:2", "uniform:5:1", "lognormal:50:nan",
                "exp:inf", "1e999", "uniform:-1:5"):
        with pytest.raises(FaultSpecError):
            parse_latency_spec(bad)
    assert parse_endpoints("all") == parse_endpoints("checkins,protocols,results,turnout,streams")
    with pytest.raises(FaultSpecError):
        parse_endpoints("healthz")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'faults.sqlite'}"


def test_error_rate_one_fails_only_the_chosen_endpoints(sqlite_url: str) -> None:
    with Server(sqlite_url, "--inject-error-rate", "1", "--inject-endpoints", "results",
                "--inject-error-status", "500") as srv, srv.client() as client:
        failed = client.get("/v1/results")
        assert failed.status_code == 500
        assert failed.json()["error"] == "injected_fault"
        assert client.get("/v1/turnout").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_error_rate_is_a_share(sqlite_url: str) -> None:
    with (Server(sqlite_url, "--inject-error-rate", "0.3", "--inject-seed", "5") as srv,
          srv.client() as client):
        statuses = [client.get("/v1/turnout").status_code for _ in range(400)]
    share = statuses.count(503) / len(statuses)
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 400)
    assert set(statuses) == {200, 503}


def test_latency_is_added_to_chosen_endpoints(sqlite_url: str) -> None:
    # 2 s, so that "not delayed" has a margin no scheduling hiccup on a loaded box reaches;
    # the exact delays are checked on a fake clock in test_latency_delays_only_the_chosen_endpoints
    with (Server(sqlite_url, "--inject-latency-ms", "2000", "--inject-endpoints",
                 "turnout") as srv, srv.client() as client):
        start = time.perf_counter()
        assert client.get("/v1/turnout").status_code == 200
        delayed_s = time.perf_counter() - start
        start = time.perf_counter()
        assert client.get("/v1/results").status_code == 200
        plain_s = time.perf_counter() - start
    assert delayed_s >= 2.0
    assert plain_s < delayed_s / 2  # results are not a chosen endpoint


def test_one_time_stall(sqlite_url: str) -> None:
    stall_s = 3.0
    with (Server(sqlite_url, "--inject-stall-s", str(stall_s), "--inject-stall-after-s", "0",
                 "--inject-endpoints", "results") as srv, srv.client() as client):
        client.get("/v1/turnout")  # not a chosen endpoint: does not start the window
        start = time.perf_counter()
        client.get("/v1/results")
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        client.get("/v1/results")
        second_s = time.perf_counter() - start
    # The window opens at the first request to a chosen endpoint: that request waits it out.
    assert first_s >= stall_s - 0.05
    assert first_s <= stall_s + 0.5
    # Not stalled again. Half the stall, not a fixed 0.5 s: a request on a loaded 2-core
    # box can take more than 0.5 s, never 1.5 s; the exact waits (the window and nothing
    # after it) are checked on a fake clock in test_stall_waits_out_one_window_only.
    assert second_s < stall_s / 2


class _FakeClock:
    """``time.monotonic`` and ``asyncio.sleep`` for the middleware: sleeping moves the clock,
    so the waits it chooses are read exactly, with no wall-clock measurement."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(message: Any) -> None:
    return None


def _request(app: FaultInjectionMiddleware, clock: _FakeClock, path: str) -> list[float]:
    """One request through the middleware; returns the sleeps it took."""
    before = len(clock.slept)
    asyncio.run(app({"type": "http", "path": path}, _receive, _send))
    return clock.slept[before:]


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> _FakeClock:
    clock = _FakeClock()
    # The middleware reads time.monotonic and awaits asyncio.sleep from those modules; the
    # event loop of asyncio.run sets no timers here, so it never reads the frozen clock.
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(asyncio, "sleep", clock.sleep)
    return clock


def test_stall_waits_out_one_window_only(fake_clock: _FakeClock) -> None:
    config = FaultConfig(stall_s=3.0, stall_after_s=10.0, endpoints=parse_endpoints("results"))
    app = FaultInjectionMiddleware(_answer, config)
    fake_clock.now += 100.0  # start-up time does not count
    assert _request(app, fake_clock, "/v1/turnout") == []  # nor another endpoint's request
    # The first chosen request, at clock 1100, opens the window 10 s later: 1110-1113.
    assert _request(app, fake_clock, "/v1/results") == []
    fake_clock.now += 5.0  # before the window: no wait
    assert _request(app, fake_clock, "/v1/results") == []
    fake_clock.now += 6.0  # 1 s into the window: waits the 2 s left of it
    assert _request(app, fake_clock, "/v1/results") == [2.0]
    assert _request(app, fake_clock, "/v1/results") == []  # the window is over: once only
    fake_clock.now -= 2.5  # back inside the window, another endpoint: untouched
    assert _request(app, fake_clock, "/v1/turnout") == []


def test_latency_delays_only_the_chosen_endpoints(fake_clock: _FakeClock) -> None:
    config = FaultConfig(latency=parse_latency_spec("300"), endpoints=parse_endpoints("turnout"))
    app = FaultInjectionMiddleware(_answer, config)
    assert _request(app, fake_clock, "/v1/turnout") == [0.3]
    assert _request(app, fake_clock, "/v1/results") == []
