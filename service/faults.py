"""Fault injection for rehearsals: latency, errors and a one-time stall on chosen endpoints.

Kept apart from the real request handling: it is an ASGI middleware that wraps the app only
when a fault is configured, so a service started without ``--inject-*`` options runs no
fault code at all. Randomness comes from an explicit ``numpy.random.Generator`` seeded per
worker process, so a rehearsal is repeatable.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import time
from dataclasses import dataclass, field

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.exits import ServiceInputError

# Public names of the endpoint families a fault may target, with their path prefixes.
ENDPOINT_PREFIXES: dict[str, tuple[str, ...]] = {
    "checkins": ("/v1/checkins",),
    "protocols": ("/v1/protocols",),
    "results": ("/v1/results",),
    "turnout": ("/v1/turnout",),
    "streams": ("/v1/streams",),
}


class FaultSpecError(ServiceInputError, ValueError):
    """A fault option that cannot be understood; the message says the accepted forms."""


@dataclass(frozen=True)
class LatencySpec:
    """A latency distribution in milliseconds: fixed, uniform, exponential or lognormal."""

    kind: str
    params: tuple[float, ...]

    def sample_ms(self, rng: np.random.Generator) -> float:
        """One delay, at most MAX_LATENCY_MS: exponential and lognormal tails are unbounded,
        and a draw of hours would hold a request (and its connection) for hours."""
        return min(self._draw_ms(rng), MAX_LATENCY_MS)

    def _draw_ms(self, rng: np.random.Generator) -> float:
        if self.kind == "fixed":
            return self.params[0]
        if self.kind == "uniform":
            return float(rng.uniform(self.params[0], self.params[1]))
        if self.kind == "exp":
            return float(rng.exponential(self.params[0]))
        median_ms, sigma = self.params
        with np.errstate(over="ignore"):  # an overflow is inf, then capped
            return float(median_ms * np.exp(sigma * rng.standard_normal()))


LATENCY_FORMS = (
    "'50' (fixed ms), 'uniform:10:100', 'exp:50' (mean ms), 'lognormal:50:0.5' (median ms, sigma)"
)
# Ten minutes outlasts any client's timeout: a longer delay can only be a typo. Each drawn
# delay is capped to it too (docs/service.md#ranges).
MAX_LATENCY_MS = 600_000.0
# exp(10 z) already spans e^-30..e^30 over six standard deviations.
MAX_LOGNORMAL_SIGMA = 10.0
LATENCY_RANGES = (f"milliseconds 0 to {MAX_LATENCY_MS:,.0f}, lognormal sigma 0 to "
                  f"{MAX_LOGNORMAL_SIGMA:g}, uniform low <= high; finite numbers only")
_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def parse_latency_spec(text: str) -> LatencySpec:
    """Parse ``--inject-latency-ms``: a number, or ``kind:param[:param]``, each parameter a
    finite decimal inside LATENCY_RANGES (``nan``, ``inf`` and negatives are refused)."""
    kind, _, rest = text.partition(":")
    arity = {"uniform": 2, "exp": 1, "lognormal": 2}
    fields = [kind] if not rest else rest.split(":")
    if rest and (kind not in arity or len(fields) != arity[kind]):
        raise FaultSpecError(f"cannot read latency {text!r}; use {LATENCY_FORMS}")
    if not all(_NUMBER.fullmatch(f) for f in fields):
        raise FaultSpecError(f"--inject-latency-ms {text!r}: each parameter must be a finite "
                             f"decimal number ({LATENCY_RANGES}); use {LATENCY_FORMS}")
    params = tuple(float(f) for f in fields)
    kind = kind if rest else "fixed"
    limits = [MAX_LATENCY_MS] * len(params)
    if kind == "lognormal":
        limits[1] = MAX_LOGNORMAL_SIGMA
    if (not all(math.isfinite(p) and 0 <= p <= hi for p, hi in zip(params, limits, strict=True))
            or (kind == "uniform" and params[0] > params[1])):
        raise FaultSpecError(f"--inject-latency-ms {text!r} is out of range: {LATENCY_RANGES}")
    return LatencySpec(kind, params)


def parse_endpoints(text: str) -> frozenset[str]:
    """Parse ``--inject-endpoints``: comma-separated names from ENDPOINT_PREFIXES, or 'all'."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    if names == {"all"}:
        return frozenset(ENDPOINT_PREFIXES)
    unknown = names - set(ENDPOINT_PREFIXES)
    if unknown or not names:
        raise FaultSpecError(
            f"unknown endpoint(s) {sorted(unknown)} in {text!r}; choose from "
            f"{', '.join(ENDPOINT_PREFIXES)} or 'all'"
        )
    return frozenset(names)


@dataclass(frozen=True)
class FaultConfig:
    """What to inject. The default injects nothing."""

    latency: LatencySpec | None = None
    error_rate: float = 0.0
    error_status: int = 503
    stall_s: float = 0.0
    stall_after_s: float = 0.0
    endpoints: frozenset[str] = field(default_factory=lambda: frozenset(ENDPOINT_PREFIXES))
    seed: int = 0

    @property
    def active(self) -> bool:
        return self.latency is not None or self.error_rate > 0 or self.stall_s > 0

    def targets(self, path: str) -> bool:
        return any(path.startswith(p) for n in self.endpoints for p in ENDPOINT_PREFIXES[n])


class FaultInjectionMiddleware:
    """Stall, fail or delay requests to the targeted endpoints, in that order.

    Latency is added after the handler ran and before the response is sent, as a slow
    network or server would: the work (e.g. a committed check-in) is done, the client waits.
    Injected errors are answered before the handler runs, so nothing is committed.
    """

    def __init__(self, app: ASGIApp, config: FaultConfig) -> None:
        self.app = app
        self.config = config
        # Per-process stream: workers of one service draw different but repeatable numbers.
        self.rng = np.random.default_rng([config.seed, os.getpid()])
        # The stall is timed from the first targeted request, not from start-up: a rehearsal
        # (or a loaded machine) may take any time to begin sending, and a window that opened
        # and closed before the load arrived would rehearse nothing.
        self.stall_start: float | None = None
        self.stall_end = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.config.targets(scope["path"]):
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        if self.stall_start is None:
            self.stall_start = now + self.config.stall_after_s
            self.stall_end = self.stall_start + self.config.stall_s
        if self.config.stall_s > 0 and self.stall_start <= now < self.stall_end:
            # Every request arriving inside the window waits until its end: one stall in time.
            await asyncio.sleep(self.stall_end - now)
        if self.config.error_rate > 0 and self.rng.random() < self.config.error_rate:
            await _send_injected_error(send, self.config.error_status)
            return
        if self.config.latency is None:
            await self.app(scope, receive, send)
            return
        delay_s = self.config.latency.sample_ms(self.rng) / 1000.0

        async def delayed_send(message: Message) -> None:
            if message["type"] == "http.response.start" and delay_s > 0:
                await asyncio.sleep(delay_s)
            await send(message)

        await self.app(scope, receive, delayed_send)


async def _send_injected_error(send: Send, status: int) -> None:
    body = json.dumps(
        {"error": "injected_fault", "detail": "fault injected by --inject-error-rate; retry"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
