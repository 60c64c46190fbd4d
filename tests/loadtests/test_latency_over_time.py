"""Per-bin latency: sparse 1 % buckets that merge across recorders and give known quantiles."""

from __future__ import annotations

import math

import msgpack  # what Locust's master/worker messages are encoded with
import pytest

from loadtests.latency import BIN_S, BUCKET_RATIO, Binned, Recorder, bucket_of_us, bucket_upper_us
from loadtests.output import over_time

EP = "POST /v1/checkins"


def through_wire(rec: Recorder) -> Recorder:
    """A worker's report as the master receives it (msgpack, as Locust sends messages)."""
    return Recorder.from_wire(msgpack.unpackb(msgpack.packb(rec.to_wire()), strict_map_key=False))


def close(value: float | None, exact_ms: float) -> bool:
    """A per-bin quantile is the upper edge of its 1 % bucket: exact or up to 1 % above."""
    return value is not None and exact_ms <= value <= exact_ms * BUCKET_RATIO + 1e-3


@pytest.mark.parametrize("value_us", [1, 2, 99, 100, 101, 1_000, 12_345, 3_600_000_000])
def test_a_bucket_holds_its_value_within_one_percent(value_us: int) -> None:
    upper = bucket_upper_us(bucket_of_us(value_us))
    assert value_us <= upper * (1 + 1e-12) and upper < value_us * BUCKET_RATIO + 1e-9


def test_bins_merge_across_two_recorders_through_the_wire() -> None:
    # Two workers: latencies 1..100 ms in bin 0 (odd ms on one worker, even on the other), and
    # in bin 2 (20-30 s) the first sends 1000 ms attempts; nothing in bin 1.
    a, b = Recorder(), Recorder()
    for ms in range(1, 101):
        worker = a if ms % 2 else b
        sent = 0.01 * ms  # inside bin 0
        worker.record_answer(EP, "201", True, sent, sent + ms / 1000, intended_s=sent - 0.5)
    for k in range(4):
        a.record_answer(EP, "201", True, 2 * BIN_S + k, 2 * BIN_S + k + 1.0, 2 * BIN_S + k)

    merged = through_wire(a)
    merged.merge(through_wire(b))
    ep = merged.endpoints[EP]

    assert [ep.send_bins.count(k) for k in range(3)] == [100, 0, 4]
    for q, exact in ((50.0, 50), (95.0, 95), (99.0, 99), (100.0, 100)):
        assert close(ep.send_bins.quantile_ms(0, q), exact), (q, ep.send_bins.quantile_ms(0, q))
        # from the intended time: the same answers, each 500 ms later than its send
        assert close(ep.intended_bins.quantile_ms(0, q), exact + 500)
    assert ep.send_bins.quantile_ms(1, 99.0) is None
    assert close(ep.send_bins.quantile_ms(2, 50.0), 1000)


def test_requests_bin_by_intended_time_and_attempts_by_send_time() -> None:
    rec = Recorder()
    # due at 5 s, sent late at 25 s (the generator or the station's cap held it): the
    # attempt counts in bin 2, the request's latency from its intended time in bin 0
    rec.record_answer(EP, "201", True, sent_s=25.0, answered_s=25.2, intended_s=5.0)
    ep = rec.endpoints[EP]
    assert ep.send_bins.count(2) == 1 and ep.send_bins.count(0) == 0
    assert ep.intended_bins.count(0) == 1
    assert close(ep.intended_bins.quantile_ms(0, 99.0), 20_200)


def test_over_time_in_loadtest_json() -> None:
    rec = Recorder()
    rec.record_answer(EP, "201", True, 1.0, 1.05, 1.0)
    rec.record_answer(EP, "201", True, 21.0, 21.2, 20.0)
    out = over_time(rec.endpoints[EP])
    assert out["bin_s"] == BIN_S and out["t_s"] == [0.0, 10.0, 20.0]
    assert out["count"] == [1, 0, 1] and out["count_intended"] == [1, 0, 1]
    assert out["p95_ms"][1] is None and close(out["p95_ms"][2], 200)
    assert close(out["p99_ms_intended"][2], 1200)
    keys = {f"p{q}_ms{s}" for q in (50, 95, 99) for s in ("", "_intended")}
    assert keys <= set(out) and all(len(out[k]) == 3 for k in keys)


def test_wire_stays_small_for_a_long_run() -> None:
    # 300 bins x 100 attempts spread over 1-1000 ms: about two bytes per filled bucket
    binned = Binned()
    for b in range(300):
        for k in range(100):
            binned.record(b * BIN_S, math.exp(k / 100 * math.log(1000)) / 1000)
    packed = msgpack.packb(binned.to_wire())
    assert len(packed) < 300 * 100 * 3
    assert Binned.from_wire(msgpack.unpackb(packed, strict_map_key=False)).bins == binned.bins
