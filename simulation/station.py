"""The SimPy model of one polling station's day.

One ``simpy.Environment`` per station. People arrive, wait in line for a biometric terminal
(leaving if their patience runs out), are scanned and confirmed (online call, or buffered),
are issued a ballot at a desk, vote in a booth and leave. Terminals fail and are repaired.
At closing nobody new joins; after the last person leaves the station counts and uploads
its protocol.

Speed matters (millions of voters per national run): people move through the stations by
event callbacks on SimPy timeouts (one event per person per stage, no process per voter and
no wake-up events for idle servers), and every draw was made up front
(:class:`StationInput`). Rare events (failures, closing, counting) are SimPy processes. The
``log`` records the exact event sequence for tests.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from typing import Any, cast

import numpy as np
import simpy

from simulation.pool import ServerPool
from simulation.station_input import StationInput, StationOutcome, Status

_NAN = math.nan
Proc = Generator[simpy.Event, Any, None]


class _Station:
    def __init__(self, inp: StationInput, trace: bool) -> None:
        self.env = env = simpy.Environment()
        self.inp = inp
        n = inp.size
        self.log: list[tuple[float, str, int]] | None = [] if trace else None
        self.arrival = inp.arrival_s.tolist()
        self.patience = inp.patience_s.tolist()
        self.scan = inp.scan_s.tolist()
        self.call = inp.call_s.tolist()
        self.call_ok = inp.call_ok.tolist()
        self.bio_ok = inp.biometric_ok.tolist()
        self.duplicate = inp.duplicate.tolist()
        self.status = [int(Status.VOTED)] * n
        self.start = [_NAN] * n
        self.left_line = [_NAN] * n
        self.checkin_end = [_NAN] * n
        self.call_at = [_NAN] * n
        self.buffered_until = [_NAN] * n
        self.exit = [_NAN] * n
        self.requeue_segments: list[tuple[float, float]] = []
        self.requeued_at: dict[int, float] = {}
        self.line: deque[int] = deque()
        self.idle_terminals = list(range(inp.terminals - 1, -1, -1))  # a stack: 0 on top
        self.job: list[tuple[int, simpy.Event, float] | None] = [None] * inp.terminals
        self.closed = False
        self.last_departure_s = 0.0
        self.busy_s = 0.0
        self.failures = 0
        self.down_s = 0.0
        self.count_start_s = _NAN
        self.protocol_at_s = _NAN
        self.booths = ServerPool(
            env, inp.booths, inp.booth_s.tolist(), self._noter("booth"), self._exit
        )
        self.desks = ServerPool(
            env, inp.desks, inp.ballot_s.tolist(), self._noter("desk"), self.booths.put
        )
        for k in range(min(len(inp.up_s), inp.terminals)):
            env.process(self._failures(k))
        if n:
            env.timeout(self.arrival[0], 0).callbacks.append(self._arrive)
        env.process(self._closing())

    def _noter(self, event: str) -> Callable[[int], None] | None:
        if self.log is None:
            return None
        return lambda person: self.note(event, person)

    def note(self, event: str, person: int) -> None:
        if self.log is not None:
            self.log.append((self.env.now, event, person))

    # -- people leaving -------------------------------------------------------------------

    def _depart(self, person: int, at_s: float) -> None:
        if at_s > self.last_departure_s:
            self.last_departure_s = at_s

    def _exit(self, person: int) -> None:
        self.exit[person] = self.env.now
        if self.log is not None:
            self.note("exit", person)
        self._depart(person, self.env.now)

    # -- arrivals and the line ------------------------------------------------------------

    def _arrive(self, event: simpy.Event) -> None:
        """Everyone due now joins; then the next arrival is scheduled."""
        person: int = cast(int, event.value)
        now = self.env.now
        n = len(self.arrival)
        while person < n and self.arrival[person] <= now:
            if self.log is not None:
                self.note("arrive", person)
            self._offer(person)
            person += 1
        if person < n:
            self.env.timeout(self.arrival[person] - now, person).callbacks.append(self._arrive)

    def _offer(self, person: int, *, first: bool = False) -> None:
        """Hand a person to an idle terminal, or put them in line."""
        if self.idle_terminals:
            self.requeued_at.pop(person, None)
            self._start_checkin(self.idle_terminals.pop(), person)
        elif first:
            self.line.appendleft(person)
        else:
            self.line.append(person)

    def _next_in_line(self) -> int | None:
        now = self.env.now
        while self.line:
            person = self.line.popleft()
            if person in self.requeued_at:
                self.requeue_segments.append((self.requeued_at.pop(person), now))
                return person
            gave_up_s = self.arrival[person] + self.patience[person]
            if gave_up_s < now:
                self.status[person] = int(Status.RENEGED)
                self.left_line[person] = gave_up_s
                if self.log is not None:
                    self.log.append((gave_up_s, "renege", person))
                self._depart(person, gave_up_s)
                continue
            return person
        return None

    def _closing(self) -> Proc:
        yield self.env.timeout(self.inp.close_s)
        self.closed = True
        self.note("close", -1)
        if not self.inp.serve_queue_at_close:
            while self.line:
                person = self.line.popleft()
                gave_up_s = self.arrival[person] + self.patience[person]
                renege = gave_up_s < self.env.now and person not in self.requeued_at
                self.status[person] = int(Status.RENEGED if renege else Status.NOT_SERVED)
                self.left_line[person] = gave_up_s if renege else self.env.now
                self._depart(person, self.left_line[person])

    # -- terminals ------------------------------------------------------------------------

    def _start_checkin(self, k: int, person: int) -> None:
        held_s = self._begin_checkin(person)
        done = self.env.timeout(held_s, (k, person))
        done.callbacks.append(self._checkin_done)
        self.job[k] = (person, done, self.env.now)

    def _checkin_done(self, event: simpy.Event) -> None:
        k, person = cast(tuple[int, int], event.value)
        job = self.job[k]
        if job is None or job[1] is not event:
            return  # the terminal failed during this check-in; the person was requeued
        self.busy_s += self.env.now - job[2]
        self.job[k] = None
        self._end_checkin(person)
        self._terminal_free(k)

    def _terminal_free(self, k: int) -> None:
        person = self._next_in_line()
        if person is None:
            self.idle_terminals.append(k)
        else:
            self._start_checkin(k, person)

    def _fail(self, k: int, repair_s: float) -> None:
        now = self.env.now
        job = self.job[k]
        self.failures += 1
        self.note("fail", k)
        if job is None:
            self.idle_terminals.remove(k)
        else:
            # Failed mid-check-in: the person is first in line for the next terminal.
            person, _, started_s = job
            self.busy_s += now - started_s
            self.job[k] = None
            self.requeued_at[person] = now
            self.note("requeue", person)
            self._offer(person, first=True)
        self.env.timeout(repair_s, (k, repair_s)).callbacks.append(self._repaired)

    def _repaired(self, event: simpy.Event) -> None:
        k, repair_s = cast(tuple[int, float], event.value)
        self.down_s += repair_s
        self.note("repaired", k)
        self._terminal_free(k)

    def _begin_checkin(self, person: int) -> float:
        """Record the start of a check-in; return how long the terminal is held."""
        now = self.env.now
        if math.isnan(self.start[person]):
            self.start[person] = now
        if self.log is not None:
            self.note("scan", person)
        held_s: float = self.scan[person]
        if not self.bio_ok[person]:
            return held_s
        if self.inp.online:
            call_at_s = now + held_s
            outage_end_s = self.inp.in_outage(call_at_s)
            if outage_end_s is None:
                self.call_at[person] = call_at_s
                held_s += self.call[person]
                if not self.call_ok[person]:
                    flush_s = self.inp.buffer_flush_s
                    self.buffered_until[person] = math.ceil((now + held_s) / flush_s) * flush_s
            else:
                self.buffered_until[person] = outage_end_s
        return held_s

    def _end_checkin(self, person: int) -> None:
        now = self.env.now
        self.checkin_end[person] = now
        log = self.log is not None
        if not self.bio_ok[person]:
            self.status[person] = int(Status.REFUSED_BIOMETRIC)
        elif self.duplicate[person]:
            caught = self.inp.online and math.isnan(self.buffered_until[person])
            self.status[person] = int(
                Status.REFUSED_DUPLICATE if caught else Status.DUPLICATE_VOTED
            )
        if self.status[person] in (Status.REFUSED_BIOMETRIC, Status.REFUSED_DUPLICATE):
            if log:
                self.note("refused", person)
            self._depart(person, now)
        else:
            if log:
                self.note("checked_in", person)
            self.desks.put(person)

    def _failures(self, k: int) -> Proc:
        t_s = 0.0
        for up_s, repair_s in zip(self.inp.up_s[k], self.inp.repair_s[k], strict=False):
            t_s += up_s
            if t_s >= self.inp.close_s:
                return
            yield self.env.timeout(t_s - self.env.now)
            self._fail(k, repair_s)
            t_s += repair_s

    # -- after the last voter -------------------------------------------------------------

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
        def f(values: list[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
            return np.asarray(values, dtype=np.float64)

        return StationOutcome(
            status=np.asarray(self.status, dtype=np.int64),
            start_s=f(self.start),
            left_line_s=f(self.left_line),
            checkin_end_s=f(self.checkin_end),
            call_at_s=f(self.call_at),
            buffered_until_s=f(self.buffered_until),
            exit_s=f(self.exit),
            desk_start_s=f(self.desks.started_s),
            booth_start_s=f(self.booths.started_s),
            requeue_segments=self.requeue_segments,
            terminal_busy_s=self.busy_s,
            terminal_failures=self.failures,
            terminal_down_s=self.down_s,
            last_exit_s=self.last_departure_s,
            count_start_s=self.count_start_s,
            protocol_at_s=self.protocol_at_s,
            log=self.log,
        )


def run_station(inp: StationInput, *, trace: bool = False) -> StationOutcome:
    """Simulate one station's day to the upload of its protocol."""
    station = _Station(inp, trace)
    station.env.run()
    station.count()
    return station.outcome()
