"""Fault injection: latency, errors, a one-time stall, only on the chosen endpoints."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from service.faults import FaultSpecError, parse_endpoints, parse_latency_spec
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
    srv = Server(
        sqlite_url,
        "--inject-error-rate",
        "1",
        "--inject-endpoints",
        "results",
        "--inject-error-status",
        "500",
    )
    try:
        with srv.client() as client:
            failed = client.get("/v1/results")
            assert failed.status_code == 500
            assert failed.json()["error"] == "injected_fault"
            assert client.get("/v1/turnout").status_code == 200
            assert client.get("/healthz").status_code == 200
    finally:
        srv.stop()


def test_error_rate_is_a_share(sqlite_url: str) -> None:
    srv = Server(sqlite_url, "--inject-error-rate", "0.3", "--inject-seed", "5")
    try:
        with srv.client() as client:
            statuses = [client.get("/v1/turnout").status_code for _ in range(400)]
        share = statuses.count(503) / len(statuses)
        assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 400)
        assert set(statuses) == {200, 503}
    finally:
        srv.stop()


def test_latency_is_added_to_chosen_endpoints(sqlite_url: str) -> None:
    srv = Server(sqlite_url, "--inject-latency-ms", "300", "--inject-endpoints", "turnout")
    try:
        with srv.client() as client:
            start = time.perf_counter()
            assert client.get("/v1/turnout").status_code == 200
            delayed_s = time.perf_counter() - start
            start = time.perf_counter()
            assert client.get("/v1/results").status_code == 200
            plain_s = time.perf_counter() - start
        assert delayed_s >= 0.3
        assert plain_s < delayed_s - 0.1  # results are not a chosen endpoint
    finally:
        srv.stop()


def test_one_time_stall(sqlite_url: str) -> None:
    stall_s = 3.0
    srv = Server(sqlite_url, "--inject-stall-s", str(stall_s), "--inject-stall-after-s", "0",
                 "--inject-endpoints", "results")
    try:
        with srv.client() as client:
            since_launch_s = time.monotonic() - srv.launched_at
            start = time.perf_counter()
            client.get("/v1/results")
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            client.get("/v1/results")
            second_s = time.perf_counter() - start
        # The window opened when the worker started (after our launch), so at least what
        # is left of it since the launch must be felt, and never more than the whole stall.
        assert first_s >= stall_s - since_launch_s - 0.05
        assert first_s <= stall_s + 0.5
        assert second_s < 0.5
    finally:
        srv.stop()
