"""Open-model replay: every job at its intended time, a per-station in-flight cap.

The dispatcher walks a :class:`~loadtests.plan.JobPlan` in time order. At each job's
intended time it *arrives*: the generator lag (how late the dispatcher got to it) is
recorded, and the job is sent at once if its station has a free terminal, or queued behind
that station's earlier requests otherwise. Nothing waits for responses except the queue of
the job's own station, so a slow service never slows the offered load (no coordinated
omission); the time a job spends queued counts in its latency from the intended time, which
the sender measures.

A protocol upload attempt (a failed one too) is a barrier for its station: it is sent only
when none of that station's requests is in flight (a station counts after its check-ins were
confirmed, and retries one attempt at a time).

The dispatcher knows nothing about gevent or HTTP: it is driven by a :class:`Clock` and
hands jobs to a :class:`Sender`, which calls ``done(job)`` when the job's request finished.
The Locust side plugs in a gevent clock and an HTTP sender; the tests a fake clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from loadtests.plan import UPLOAD_KINDS, JobPlan

YIELD_EVERY = 32  # let response handlers run at least every this many jobs due at once


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the replay start (monotonic)."""
        ...

    def sleep_until(self, t: float) -> None:
        """Return at ``t`` (or at once, after yielding, when ``t`` has passed)."""
        ...


class Sender(Protocol):
    def send(self, job: int, done: Callable[[int], None]) -> None:
        """Start the request of ``job`` without blocking; call ``done(job)`` when finished."""
        ...


class Dispatcher:
    """Replay ``plan`` on ``clock`` through ``sender`` with at most ``caps[s]`` requests in
    flight per station ``s`` (public reads have no cap)."""

    def __init__(
        self,
        plan: JobPlan,
        caps: NDArray[np.int64],
        clock: Clock,
        sender: Sender,
        on_lag: Callable[[float], None] | None = None,
    ) -> None:
        self.plan = plan
        self.caps = caps
        self.clock = clock
        self.sender = sender
        self.on_lag = on_lag
        self.inflight: dict[int, int] = {}
        self.queues: dict[int, deque[int]] = {}
        self.arrived = 0  # jobs whose intended time the dispatcher reached
        self.sent_jobs = 0
        self.sent_events = 0  # schedule rows in sent jobs
        self.finished_jobs = 0
        self.stopped = False
        self._kind = plan.kind.tolist()
        self._station = plan.station.tolist()
        self._count = plan.count.tolist()

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        """Arrive every job at its time; returns when all arrived (or :meth:`stop` was called).

        Jobs may still be queued or in flight afterwards: see :attr:`busy`.
        """
        times = self.plan.time_s.tolist()
        due_in_a_row = 0
        for j, t in enumerate(times):
            if self.stopped:
                return
            now = self.clock.now()
            if now < t:
                self.clock.sleep_until(t)
                due_in_a_row = 0
                if self.stopped:
                    return
                now = self.clock.now()
            else:
                due_in_a_row += 1
                if due_in_a_row >= YIELD_EVERY:
                    self.clock.sleep_until(now)
                    due_in_a_row = 0
            if self.on_lag is not None:
                self.on_lag(max(0.0, now - t))
            self.arrived = j + 1
            self._arrive(j)

    def stop(self) -> None:
        """Stop arriving new jobs; queued jobs are dropped (never sent)."""
        self.stopped = True
        for q in self.queues.values():
            q.clear()

    # -- per-station admission ------------------------------------------------------------
    def _arrive(self, j: int) -> None:
        s = self._station[j]
        if s < 0:
            self._send(j)
            return
        q = self.queues.get(s)
        if q is None:
            q = self.queues[s] = deque()
            self.inflight[s] = 0
        q.append(j)
        self._admit(s)

    def _admit(self, s: int) -> None:
        q = self.queues[s]
        while q and not self.stopped:
            j = q[0]
            busy = self.inflight[s]
            # A protocol waits until nothing of its station is in flight.
            if busy >= (1 if self._kind[j] in UPLOAD_KINDS else int(self.caps[s])):
                return
            q.popleft()
            self.inflight[s] = busy + 1
            self._send(j)

    def _send(self, j: int) -> None:
        self.sent_jobs += 1
        self.sent_events += self._count[j]
        self.sender.send(j, self._done)

    def _done(self, j: int) -> None:
        self.finished_jobs += 1
        s = self._station[j]
        if s >= 0:
            self.inflight[s] -= 1
            self._admit(s)

    # -- progress ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Requests still in flight (or queued behind a station's busy terminals)."""
        return self.finished_jobs < self.sent_jobs or any(self.queues.values())

    @property
    def dropped_events(self) -> int:
        return self.plan.scheduled_events - self.sent_events
