"""Latency recording in HdrHistograms: per endpoint, from the send and from the intended time;
the same per ``BIN_S`` time bin (:class:`Binned`); the generator's lag; achieved vs scheduled
request rate per bin. Serialisable and mergeable (workers send :meth:`Recorder.to_wire` to the
master, which merges). No locust here.

Values are recorded in microseconds (1 us .. 1 h, 3 significant digits) and reported in ms.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
DIGITS = 3
BIN_S = 10.0
QUANTILES = (50.0, 95.0, 99.0)
# Per-bin latencies use sparse log buckets 1 % wide instead of an HdrHistogram per bin: a
# 3-digit HdrHistogram allocates ~190 kB of counters (26 kB with 2 digits), times ~300 bins x 7
# endpoints x 2 in a long run; the sparse buckets cost only what was recorded, merge by adding
# and are plenty for a plot (whole-test figures stay in the exact histograms above).
BUCKET_RATIO = 1.01
_LOG_RATIO = math.log(BUCKET_RATIO)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def record_s(hist: HdrHistogram, seconds: float) -> None:
    """Record a duration in seconds (clamped into the histogram's range)."""
    hist.record_value(min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6))))


def encode(hist: HdrHistogram) -> str:
    """Base64 of the compressed HdrHistogram (the standard interchange format)."""
    raw: bytes = hist.encode()
    return raw.decode("ascii")


def decode(text: str) -> HdrHistogram:
    hist = new_histogram()
    if text:
        hist.decode_and_add(text.encode("ascii"))
    return hist


def quantile_ms(hist: HdrHistogram, q: float) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(float(hist.get_value_at_percentile(q)) / 1000.0, 3)


def bin_of(at_s: float) -> int:
    """The ``BIN_S`` bin of a time from the replay's time zero (a request due just before zero,
    e.g. at the start delay's edge, counts in bin 0 rather than being lost)."""
    return max(0, int(at_s // BIN_S))


def bucket_of_us(value_us: int) -> int:
    """The 1 % log bucket holding ``value_us``: bucket ``k`` covers (r^(k-1), r^k]."""
    return math.ceil(math.log(value_us) / _LOG_RATIO - 1e-9)  # -1e-9: r^k itself lands in k


def bucket_upper_us(bucket: int) -> float:
    return float(BUCKET_RATIO**bucket)


@dataclass
class Binned:
    """Latencies per ``BIN_S`` time bin: ``bins[bin][bucket] = count`` (see ``BUCKET_RATIO``).

    A quantile is the upper edge of the bucket that holds it, as an HdrHistogram reports the
    highest equivalent value: at most 1 % above the exact value.
    """

    bins: dict[int, Counter[int]] = field(default_factory=dict)

    def record(self, at_s: float, seconds: float) -> None:
        value_us = min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6)))
        found = self.bins.get(bin_of(at_s))
        if found is None:
            found = self.bins[bin_of(at_s)] = Counter()
        found[bucket_of_us(value_us)] += 1

    def merge(self, other: Binned) -> None:
        for b, buckets in other.bins.items():
            self.bins.setdefault(b, Counter()).update(buckets)

    def count(self, b: int) -> int:
        return sum(self.bins.get(b, Counter()).values())

    def quantile_ms(self, b: int, q: float) -> float | None:
        buckets = self.bins.get(b)
        total = sum(buckets.values()) if buckets else 0
        if not buckets or total == 0:
            return None
        target = max(1, math.ceil(q / 100.0 * total))  # as HdrHistogram: the rank-th value
        seen = 0
        for bucket in sorted(buckets):
            seen += buckets[bucket]
            if seen >= target:
                return round(bucket_upper_us(bucket) / 1000.0, 3)
        raise AssertionError("unreachable: target <= total")

    def to_wire(self) -> dict[str, list[int]]:
        """Per bin a flat list ``[bucket, count, delta, count, ...]`` with buckets ascending and
        delta-coded: mostly one-byte integers in msgpack, so a long run's report stays small."""
        out: dict[str, list[int]] = {}
        for b, buckets in self.bins.items():
            flat: list[int] = []
            previous = 0
            for bucket in sorted(buckets):
                flat += (bucket - previous, buckets[bucket])
                previous = bucket
            out[str(b)] = flat
        return out

    @classmethod
    def from_wire(cls, data: dict[str, list[int]]) -> Binned:
        binned = cls()
        for key, flat in data.items():
            buckets: Counter[int] = Counter()
            bucket = 0
            for k in range(0, len(flat), 2):
                bucket += int(flat[k])
                buckets[bucket] += int(flat[k + 1])
            binned.bins[int(key)] = buckets
        return binned


def max_ms(hist: HdrHistogram) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(float(hist.get_max_value()) / 1000.0, 3)


@dataclass
class Endpoint:
    """What one endpoint saw: answers by status, latency from send and from intended time
    (whole test, and per time bin: attempts by their send time, requests by their intended
    time, as ``rate`` bins achieved and scheduled requests)."""

    send: HdrHistogram = field(default_factory=new_histogram)
    intended: HdrHistogram = field(default_factory=new_histogram)
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    item_statuses: Counter[str] = field(default_factory=Counter)
    send_bins: Binned = field(default_factory=Binned)
    intended_bins: Binned = field(default_factory=Binned)

    def record_attempt(self, sent_s: float, answered_s: float) -> None:
        """One HTTP attempt, times in seconds from the replay's time zero."""
        record_s(self.send, answered_s - sent_s)
        self.send_bins.record(sent_s, answered_s - sent_s)

    def record_request(self, intended_s: float, answered_s: float) -> None:
        """One request's final answer against the time the schedule meant to send it."""
        record_s(self.intended, answered_s - intended_s)
        self.intended_bins.record(intended_s, answered_s - intended_s)

    def merge(self, other: Endpoint) -> None:
        self.send.add(other.send)
        self.intended.add(other.intended)
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.retries += other.retries
        self.item_statuses.update(other.item_statuses)
        self.send_bins.merge(other.send_bins)
        self.intended_bins.merge(other.intended_bins)

    def to_wire(self) -> dict[str, Any]:
        return {"send": encode(self.send), "intended": encode(self.intended),
                "requests": self.requests, "statuses": dict(self.statuses),
                "errors": dict(self.errors), "retries": self.retries,
                "item_statuses": dict(self.item_statuses),
                "send_bins": self.send_bins.to_wire(),
                "intended_bins": self.intended_bins.to_wire()}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Endpoint:
        return cls(decode(data["send"]), decode(data["intended"]), int(data["requests"]),
                   Counter(data["statuses"]), Counter(data["errors"]), int(data["retries"]),
                   Counter(data["item_statuses"]),
                   Binned.from_wire(data.get("send_bins", {})),
                   Binned.from_wire(data.get("intended_bins", {})))


class Recorder:
    """Everything one generator measured (or, after merging, all of them)."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.lag = new_histogram()
        self.sent_bins: Counter[int] = Counter()  # requests sent per BIN_S (actual send time)
        self.scheduled_bins: Counter[int] = Counter()  # jobs due per BIN_S (intended time)
        self.counters: Counter[str] = Counter()
        # First send and last answer (s from time zero): the span the throughput is over.
        self.first_send_s = math.inf
        self.last_answer_s = -math.inf

    def note_span(self, sent_s: float, answered_s: float) -> None:
        self.first_send_s = min(self.first_send_s, sent_s)
        self.last_answer_s = max(self.last_answer_s, answered_s)

    def endpoint(self, name: str) -> Endpoint:
        found = self.endpoints.get(name)
        if found is None:
            found = self.endpoints[name] = Endpoint()
        return found

    def record_outcome(self, name: str, status: str, ok: bool, intended_s: float,
                       answered_s: float) -> None:
        """One request's final outcome once its attempts are over (each one recorded by
        :meth:`Endpoint.record_attempt`): ``status`` is the HTTP status, or ``timeout`` /
        ``connection`` when nothing came back; its latency counts from the intended time.
        Times in seconds from the replay start."""
        ep = self.endpoint(name)
        ep.requests += 1
        ep.statuses[status] += 1
        if not ok:
            ep.errors[status] += 1
        ep.record_request(intended_s, answered_s)

    def record_answer(self, name: str, status: str, ok: bool, sent_s: float, answered_s: float,
                      intended_s: float) -> None:
        """A request answered at its first attempt: that attempt, then the outcome."""
        self.endpoint(name).record_attempt(sent_s, answered_s)
        self.record_outcome(name, status, ok, intended_s, answered_s)

    def record_sent(self, at_s: float) -> None:
        self.sent_bins[int(at_s // BIN_S)] += 1

    def schedule(self, times_s: list[float]) -> None:
        for t in times_s:
            self.scheduled_bins[int(t // BIN_S)] += 1

    def merge(self, other: Recorder) -> None:
        for name, ep in other.endpoints.items():
            self.endpoint(name).merge(ep)
        self.lag.add(other.lag)
        self.sent_bins.update(other.sent_bins)
        self.scheduled_bins.update(other.scheduled_bins)
        self.counters.update(other.counters)
        self.note_span(other.first_send_s, other.last_answer_s)

    def to_wire(self) -> dict[str, Any]:
        return {
            "endpoints": {n: ep.to_wire() for n, ep in self.endpoints.items()},
            "lag": encode(self.lag),
            "sent_bins": {str(k): v for k, v in self.sent_bins.items()},
            "scheduled_bins": {str(k): v for k, v in self.scheduled_bins.items()},
            "counters": dict(self.counters),
            "span": ([self.first_send_s, self.last_answer_s]
                     if math.isfinite(self.last_answer_s) else []),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Recorder:
        rec = cls()
        rec.endpoints = {n: Endpoint.from_wire(e) for n, e in data["endpoints"].items()}
        rec.lag = decode(data["lag"])
        rec.sent_bins = Counter({int(k): int(v) for k, v in data["sent_bins"].items()})
        rec.scheduled_bins = Counter({int(k): int(v) for k, v in data["scheduled_bins"].items()})
        rec.counters = Counter({str(k): int(v) for k, v in data["counters"].items()})
        if data.get("span"):
            rec.note_span(float(data["span"][0]), float(data["span"][1]))
        return rec
