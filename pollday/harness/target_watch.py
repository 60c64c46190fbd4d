"""Watch the target during the load test: when did it stop answering, and did it come back?

A target that dies mid-run shows up first as connection errors in the load test and then as a
failed audit ("Connection refused"), which says neither that the target died nor when. A thread
asks the target for ``GET /healthz`` every ``interval_s``: any HTTP answer (even a 404 from a
service without that endpoint, or a 503) means it is answering; a refused or reset connection,
or no answer within ``timeout_s``, means it is not.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from pollday.progress import format_duration

PROBE_INTERVAL_S = 1.0
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Outage:
    """The first stretch the target did not answer, in seconds from the watch's start."""

    down_at_s: float
    up_again_at_s: float | None  # None: it never answered again while watched


class TargetWatch:
    def __init__(self, url: str, interval_s: float = PROBE_INTERVAL_S,
                 timeout_s: float = PROBE_TIMEOUT_S) -> None:
        self.url = url.rstrip("/") + "/healthz"
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.outage: Outage | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="target-watch", daemon=True)

    def __enter__(self) -> TargetWatch:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(self.timeout_s + 1)

    def _answers(self, client: httpx.Client) -> bool:
        try:
            client.get(self.url)
        except httpx.HTTPError:
            return False
        return True

    def _run(self) -> None:
        down_at: float | None = None
        with httpx.Client(timeout=self.timeout_s) as client:
            while not self._stop.wait(self.interval_s):
                answered = self._answers(client)
                now_s = time.monotonic() - self.started
                if not answered and down_at is None and self.outage is None:
                    down_at = now_s
                    self.outage = Outage(down_at, None)
                elif answered and down_at is not None:
                    self.outage = Outage(down_at, now_s)
                    down_at = None


def connection_failures(loadtest: dict[str, Any]) -> int:
    """Requests of the load test that got no answer because the connection failed."""
    return sum(int(ep.get("errors", {}).get("connection", 0))
               for ep in loadtest.get("endpoints", {}).values())


def describe_outage(outage: Outage, failed_to_connect: int | None) -> str:
    """'the target stopped answering 2 min 13 s into the load test; 1,279 requests failed to
    connect' (and whether it came back)."""
    text = f"the target stopped answering {format_duration(outage.down_at_s)} into the load test"
    if outage.up_again_at_s is None:
        text += " and did not answer again"
    else:
        text += (f" and answered again {format_duration(outage.up_again_at_s - outage.down_at_s)}"
                 " later")
    if failed_to_connect is not None:
        text += f"; {failed_to_connect:,} requests failed to connect"
    return text


def with_outage(watch: TargetWatch, loadtest: dict[str, Any] | None, message: str) -> str:
    """``message``, preceded by what happened to the target if it stopped answering."""
    if watch.outage is None:
        return message
    failed = None if loadtest is None else connection_failures(loadtest)
    return f"{describe_outage(watch.outage, failed)}; then {message}"


def record_outage(watch: TargetWatch, loadtest: dict[str, Any]) -> None:
    """Keep the outage in the load test's figures (``loadtest.target_outage``)."""
    if watch.outage is not None:
        loadtest["target_outage"] = {
            "down_at_s": round(watch.outage.down_at_s, 1),
            "up_again_at_s": None if watch.outage.up_again_at_s is None
            else round(watch.outage.up_again_at_s, 1),
            "failed_to_connect": connection_failures(loadtest),
        }


def outage_notes(loadtest: dict[str, Any]) -> list[str]:
    found = loadtest.get("target_outage")
    if not found:
        return []
    outage = Outage(found["down_at_s"], found["up_again_at_s"])
    return [describe_outage(outage, found["failed_to_connect"])]
