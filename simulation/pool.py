"""Identical servers taking people first come, first served (ballot desks, booths).

Event-callback style rather than a process per server or per person: a start is one
SimPy ``Timeout`` whose callback frees the server, so an idle server costs no wake-up event.
That halves the events per voter, which is what a national day of millions needs.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import cast

import simpy


class ServerPool:
    def __init__(
        self,
        env: simpy.Environment,
        servers: int,
        service_s: list[float],
        on_start: Callable[[int], None] | None,
        on_done: Callable[[int], None],
    ) -> None:
        self.env = env
        self.free = servers
        self.service_s = service_s
        self.on_start = on_start
        self.on_done = on_done
        self.queue: deque[int] = deque()
        self.started_s = [math.nan] * len(service_s)  # when each person reached a server

    def put(self, person: int) -> None:
        if self.free:
            self.free -= 1
            self._start(person)
        else:
            self.queue.append(person)

    def _start(self, person: int) -> None:
        self.started_s[person] = self.env.now
        if self.on_start is not None:
            self.on_start(person)
        self.env.timeout(self.service_s[person], person).callbacks.append(self._finish)

    def _finish(self, event: simpy.Event) -> None:
        person = cast(int, event.value)
        self.on_done(person)
        if self.queue:
            self._start(self.queue.popleft())
        else:
            self.free += 1
