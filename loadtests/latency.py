"""Latency recording in HdrHistograms: per endpoint, from the send and from the intended time;
the generator's lag; achieved vs scheduled request rate per bin. Serialisable and mergeable
(workers send :meth:`Recorder.to_wire` to the master, which merges). No locust here.

Values are recorded in microseconds (1 us .. 1 h, 3 significant digits) and reported in ms.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
DIGITS = 3
BIN_S = 10.0
QUANTILES = (50.0, 95.0, 99.0)


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


def max_ms(hist: HdrHistogram) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(float(hist.get_max_value()) / 1000.0, 3)


@dataclass
class Endpoint:
    """What one endpoint saw: answers by status, latency from send and from intended time."""

    send: HdrHistogram = field(default_factory=new_histogram)
    intended: HdrHistogram = field(default_factory=new_histogram)
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    item_statuses: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Endpoint) -> None:
        self.send.add(other.send)
        self.intended.add(other.intended)
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.retries += other.retries
        self.item_statuses.update(other.item_statuses)

    def to_wire(self) -> dict[str, Any]:
        return {"send": encode(self.send), "intended": encode(self.intended),
                "requests": self.requests, "statuses": dict(self.statuses),
                "errors": dict(self.errors), "retries": self.retries,
                "item_statuses": dict(self.item_statuses)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Endpoint:
        return cls(decode(data["send"]), decode(data["intended"]), int(data["requests"]),
                   Counter(data["statuses"]), Counter(data["errors"]), int(data["retries"]),
                   Counter(data["item_statuses"]))


class Recorder:
    """Everything one generator measured (or, after merging, all of them)."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.lag = new_histogram()
        self.sent_bins: Counter[int] = Counter()  # requests sent per BIN_S (actual send time)
        self.scheduled_bins: Counter[int] = Counter()  # jobs due per BIN_S (intended time)
        self.counters: Counter[str] = Counter()

    def endpoint(self, name: str) -> Endpoint:
        found = self.endpoints.get(name)
        if found is None:
            found = self.endpoints[name] = Endpoint()
        return found

    def record_answer(self, name: str, status: str, ok: bool, sent_s: float, answered_s: float,
                      intended_s: float) -> None:
        """One request's final outcome (``status`` is the HTTP status, or ``timeout`` /
        ``connection`` when nothing came back); times in seconds from the replay start."""
        ep = self.endpoint(name)
        ep.requests += 1
        ep.statuses[status] += 1
        if not ok:
            ep.errors[status] += 1
        record_s(ep.send, answered_s - sent_s)
        record_s(ep.intended, answered_s - intended_s)

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

    def to_wire(self) -> dict[str, Any]:
        return {
            "endpoints": {n: ep.to_wire() for n, ep in self.endpoints.items()},
            "lag": encode(self.lag),
            "sent_bins": {str(k): v for k, v in self.sent_bins.items()},
            "scheduled_bins": {str(k): v for k, v in self.scheduled_bins.items()},
            "counters": dict(self.counters),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Recorder:
        rec = cls()
        rec.endpoints = {n: Endpoint.from_wire(e) for n, e in data["endpoints"].items()}
        rec.lag = decode(data["lag"])
        rec.sent_bins = Counter({int(k): int(v) for k, v in data["sent_bins"].items()})
        rec.scheduled_bins = Counter({int(k): int(v) for k, v in data["scheduled_bins"].items()})
        rec.counters = Counter({str(k): int(v) for k, v in data["counters"].items()})
        return rec
