"""The doors of one station's day: a late opening, closing, counting, and the outcome.

A mixin of the station model (:mod:`simulation.station.model`), kept apart because it runs once
per station, not per voter.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from simulation.station.flow_input import FlowInput
from simulation.station.input import StationInput, StationOutcome, Status

Proc = Generator[simpy.Event, Any, None]


def _floats(values: list[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(values, dtype=np.float64)


class StationClosing:
    """Closing, counting and the outcome of the station (mixed into ``_Station``)."""

    env: simpy.Environment
    inp: StationInput
    flow: FlowInput
    log: list[tuple[float, str, int]] | None
    arrival: list[float]
    patience: list[float]
    status: list[int]
    left_line: list[float]
    call_at: list[float]
    buffered_until: list[float]
    exit: list[float]
    id_stage: int
    stage_renege: list[bool]
    stage_start: list[list[float]]
    stage_end: list[list[float]]
    route: list[list[int]]
    pos: list[int]
    joined: list[float]
    line: list[deque[int]]
    busy_s: list[float]
    failures: list[int]
    down_s: list[float]
    repairs: int
    replacements: int
    requeue_segments: list[tuple[float, float]]
    requeued_at: dict[int, float]
    last_departure_s: float
    count_start_s: float
    protocol_at_s: float

    idle: list[list[int]]
    opened: bool
    units: list[int]

    if TYPE_CHECKING:
        def note(self, event: str, person: int) -> None: ...
        def _depart(self, person: int, at_s: float) -> None: ...
        def _unit_free(self, pool: int, unit: int) -> None: ...

    def _shut_until_opening(self, units: list[int]) -> None:
        """A late opening: no unit serves before ``opens_s``; whoever comes queues at the door
        (their wait, and their patience, count from their arrival)."""
        self.units = units
        self.opened = self.inp.opens_s <= 0
        if self.opened:
            return
        for stack in self.idle:
            stack.clear()
        if self.inp.opens_s < self.inp.close_s:
            self.env.timeout(self.inp.opens_s).callbacks.append(self._open)
        # else: it never opens on the day; _closing opens it once the closing rule is applied

    def _open(self, _event: simpy.Event | None = None) -> None:
        """Every unit starts, taking the line at the door in arrival order."""
        self.opened = True
        self.note("open", -1)
        for pool, count in enumerate(self.units):
            idle = self.idle[pool]
            idle.extend(range(count - 1, -1, -1))  # unit 0 on top, as on an on-time day
            while idle and self.line[pool]:
                self._unit_free(pool, idle.pop())  # gives it back if everyone there left

    def _closing(self) -> Proc:
        yield self.env.timeout(self.inp.close_s)
        self.note("close", -1)
        if not self.inp.serve_queue_at_close:
            self._send_home()
        if not self.opened:  # a delay reaching closing: only the closing rule's line is served
            self._open()

    def _send_home(self) -> None:
        """Close the line: whoever has not started their visit goes home unserved."""
        now = self.env.now
        for pool, line in enumerate(self.line):
            stay: deque[int] = deque()
            while line:
                person = line.popleft()
                if self.pos[person] > 0:  # already inside: served
                    stay.append(person)
                    continue
                gave_up_s = self.joined[person] + self.patience[person]
                renege = (gave_up_s < now and person not in self.requeued_at
                          and self.stage_renege[self.route[person][0]])
                self.status[person] = int(Status.RENEGED if renege else Status.NOT_SERVED)
                self.left_line[person] = gave_up_s if renege else now
                self._depart(person, self.left_line[person])
            self.line[pool] = stay

    def count(self) -> None:
        """Count and upload, once the day has run to its end.

        Not a SimPy process: the station may learn that it is empty late. A person whose
        patience ran out is noticed only when a unit frees (lazy reneging), so a unit
        repaired hours after closing finds a line of people who left long ago. The station
        was empty at the last real departure, so the count starts then (never before
        closing), whatever the simulation clock says when it finds out.
        """
        self.count_start_s = max(self.inp.close_s, self.last_departure_s)
        ballots = sum(1 for s in self.status if s in (Status.VOTED, Status.DUPLICATE_VOTED))
        count_s = self.inp.count_setup_s + self.inp.count_per_ballot_s * ballots
        counted_s = self.count_start_s + count_s
        self.protocol_at_s = counted_s + self.inp.upload_delay_s
        if self.log is not None:
            self.log.append((counted_s, "counted", ballots))
            self.log.append((self.protocol_at_s, "protocol", ballots))

    def outcome(self) -> StationOutcome:
        f = _floats
        starts = [f(s) for s in self.stage_start]
        ends = [f(s) for s in self.stage_end]
        n = len(self.arrival)
        first = starts[self.flow.routes[0][0]]  # start of each person's first stage
        if len(self.flow.routes) > 1:
            first = np.full(n, math.nan)
            for k, route in enumerate(self.flow.routes):
                mine = self.flow.route == k
                first[mine] = starts[route[0]][mine]
        pool = self.flow.stages[self.id_stage].pool
        default = self.inp.flow is None
        return StationOutcome(
            status=np.asarray(self.status, dtype=np.int64),
            start_s=first,
            left_line_s=f(self.left_line),
            checkin_end_s=ends[self.id_stage],
            call_at_s=f(self.call_at),
            buffered_until_s=f(self.buffered_until),
            exit_s=f(self.exit),
            desk_start_s=starts[1] if default else np.full(n, np.nan),
            booth_start_s=starts[2] if default else np.full(n, np.nan),
            requeue_segments=self.requeue_segments,
            terminal_busy_s=self.busy_s[pool],
            terminal_failures=self.failures[pool],
            terminal_down_s=self.down_s[pool],
            last_exit_s=self.last_departure_s,
            count_start_s=self.count_start_s,
            protocol_at_s=self.protocol_at_s,
            log=self.log,
            stage_start_s=starts,
            stage_end_s=ends,
            repairs=self.repairs,
            replacements=self.replacements,
        )
