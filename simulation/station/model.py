"""The SimPy model of one polling station's day.

One ``simpy.Environment`` per station. People arrive and walk their route through the
station's stages (:mod:`simulation.station.flow_input`): each stage waits FIFO for a unit of a named
pool (giving up if patience runs out, where the stage allows it), holds it for a service
time and releases it, or keeps it for the person's later stages on the same pool. The
identification stage scans and may refuse; the flow's calling stage (the identification
stage unless the flow says otherwise) confirms the check-in (online call, or buffered) and
refuses duplicates it catches; people whose route skips it make no call
(:mod:`simulation.station.checkin`). Units fail and are repaired or replaced. At closing
nobody new joins; after the last person leaves the station counts and uploads its protocol.

Speed matters (millions of voters per national run): people move through the stations by
event callbacks on SimPy timeouts (one event per person per stage, no process per voter and
no wake-up events for idle units), reneging is checked lazily when a unit frees, and every
draw was made up front (:class:`StationInput`). Failures and closing are SimPy processes
(:mod:`simulation.station.faults`, :mod:`simulation.station.close`). The ``log`` records
the exact event sequence for tests.
"""

from __future__ import annotations

import math
from collections import deque
from typing import cast

import simpy

from simulation.station.checkin import StationCheckin
from simulation.station.close import StationClosing
from simulation.station.faults import Job, StationFaults
from simulation.station.flow_input import FlowInput, default_flow
from simulation.station.input import StationInput, StationOutcome, Status

_NAN = math.nan


class _Station(StationCheckin, StationFaults, StationClosing):
    def __init__(self, inp: StationInput, trace: bool) -> None:
        self.env = simpy.Environment()
        self.inp = inp
        self.flow: FlowInput = inp.flow or default_flow(
            inp.terminals, inp.desks, inp.booths, inp.ballot_s, inp.booth_s
        )
        self.log: list[tuple[float, str, int]] | None = [] if trace else None
        self._init_people(inp)
        self._init_stages(self.flow, inp.size)
        units = self._init_pools(self.flow)
        self._start_failures(units)
        self._shut_until_opening(units)  # before the first arrival: the door opens first
        if inp.size:
            self.env.timeout(self.arrival[0], 0).callbacks.append(self._arrive)
        self.env.process(self._closing())

    def _init_people(self, inp: StationInput) -> None:
        """Per-person draws and results as plain lists (list indexing is the hot path's)."""
        n = inp.size
        self.arrival = inp.arrival_s.tolist()
        self.patience = inp.patience_s.tolist()
        self.scan = inp.scan_s.tolist()
        self.call = inp.call_s.tolist()
        self.call_ok = inp.call_ok.tolist()
        self.bio_ok = inp.biometric_ok.tolist()
        self.duplicate = inp.duplicate.tolist()
        self.status = [int(Status.VOTED)] * n
        self.left_line = [_NAN] * n
        self.call_at = [_NAN] * n
        self.buffered_until = [_NAN] * n
        self.exit = [_NAN] * n

    def _init_stages(self, flow: FlowInput, n: int) -> None:
        # Stages as parallel lists (attribute lookups are the hot path's cost).
        self.id_stage = flow.identification_stage
        call_stage = flow.call_stage
        self.call_stage = -1 if call_stage is None else call_stage
        self.stage_pool = [s.pool for s in flow.stages]
        self.stage_keep = [s.keep_unit for s in flow.stages]
        self.stage_renege = [s.reneging for s in flow.stages]
        self.stage_name = [s.name for s in flow.stages]
        self.service = [s.service_s.tolist() for s in flow.stages]
        self.stage_start = [[_NAN] * n for _ in flow.stages]
        self.stage_end = [[_NAN] * n for _ in flow.stages]
        routes = [list(r) for r in flow.routes]
        self.route = [routes[r] for r in flow.route.tolist()]
        self.pos = [0] * n  # position in the person's route
        self.joined = list(self.arrival)  # when the person joined their current line
        self.unit_of = [0] * n  # the unit serving the person's current stage (if tracked)

    def _init_pools(self, flow: FlowInput) -> list[int]:
        """Units, lines and day totals per pool; returns the unit count of each pool."""
        units = [count for _, count in flow.pools]
        self.idle = [list(range(c - 1, -1, -1)) for c in units]  # stacks: unit 0 on top
        self.line: list[deque[int]] = [deque() for _ in units]
        self.job: list[list[Job | None]] = [[None] * c for c in units]
        self.busy_s = [0.0] * len(units)
        self.failures = [0] * len(units)
        self.down_s = [0.0] * len(units)
        self.repairs = 0
        self.replacements = 0
        self.requeue_segments: list[tuple[float, float]] = []
        self.requeued_at: dict[int, float] = {}
        self.last_departure_s = 0.0
        self.count_start_s = _NAN
        self.protocol_at_s = _NAN
        # Units tracked job by job: those that can fail (to requeue their person, set by
        # _start_failures) and the identification pool (its busy time is reported).
        # The calling stage's pool too: its end may refuse a duplicate (see _stage_done).
        watched = {flow.stages[k].pool for k in (self.id_stage, self.call_stage) if k >= 0}
        self.tracked = [p in watched for p in range(len(units))]
        return units

    def note(self, event: str, person: int) -> None:
        if self.log is not None:
            self.log.append((self.env.now, event, person))

    # -- people leaving -------------------------------------------------------------------

    def _depart(self, person: int, at_s: float) -> None:
        if at_s > self.last_departure_s:
            self.last_departure_s = at_s

    # -- arrivals and lines ---------------------------------------------------------------

    def _arrive(self, event: simpy.Event) -> None:
        """Everyone due now joins; then the next arrival is scheduled."""
        person: int = cast(int, event.value)
        now = self.env.now
        n = len(self.arrival)
        while person < n and self.arrival[person] <= now:
            if self.log is not None:
                self.note("arrive", person)
            self._enter(person, self.route[person][0])
            person += 1
        if person < n:
            self.env.timeout(self.arrival[person] - now, person).callbacks.append(self._arrive)

    def _enter(self, person: int, stage: int, *, first: bool = False) -> None:
        """Start ``stage`` on an idle unit, or join the pool's line."""
        pool = self.stage_pool[stage]
        idle = self.idle[pool]
        if idle:
            if first:
                self.requeued_at.pop(person, None)
            self._start(pool, idle.pop(), person, stage)
        elif first:
            self.line[pool].appendleft(person)
        else:
            if stage != self.route[person][0]:
                self.joined[person] = self.env.now
            self.line[pool].append(person)

    def _next_in_line(self, pool: int) -> int | None:
        now = self.env.now
        line = self.line[pool]
        while line:
            person = line.popleft()
            if person in self.requeued_at:
                self.requeue_segments.append((self.requeued_at.pop(person), now))
                return person
            if not self.stage_renege[self.route[person][self.pos[person]]]:
                return person
            gave_up_s = self.joined[person] + self.patience[person]
            if gave_up_s < now:
                self.status[person] = int(Status.RENEGED)
                self.left_line[person] = gave_up_s
                if self.log is not None:
                    self.log.append((gave_up_s, "renege", person))
                self._depart(person, gave_up_s)
                continue
            return person
        return None

    # -- stages ---------------------------------------------------------------------------

    def _start(self, pool: int, unit: int, person: int, stage: int) -> None:
        started = self.stage_start[stage]
        if started[person] != started[person]:  # nan: the first start (not a restart)
            started[person] = self.env.now
        if stage == self.id_stage:
            held_s = self._begin_checkin(person)
        else:
            held_s = self.service[stage][person]
            if self.log is not None:
                self.note(self.stage_name[stage], person)
            if stage == self.call_stage:  # the call follows the stage's own work
                held_s += self._call(person, self.env.now + held_s)
        done = self.env.timeout(held_s, person)
        done.callbacks.append(self._stage_done)
        if self.tracked[pool]:  # can fail, or its busy time is reported
            self.unit_of[person] = unit
            self.job[pool][unit] = (person, done, self.env.now)

    def _stage_done(self, event: simpy.Event) -> None:
        """A stage ended: the person goes on (or leaves), then the unit takes the next.

        The hot path of the whole model (once per person per stage): units of pools that
        never fail and whose busy time nobody reports are anonymous (unit 0).
        """
        person = cast(int, event.value)
        now = self.env.now
        route = self.route[person]
        pos = self.pos[person]
        stage = route[pos]
        pool = self.stage_pool[stage]
        self.stage_end[stage][person] = now
        unit = 0
        if self.tracked[pool]:
            unit = self.unit_of[person]
            jobs = self.job[pool]
            self.busy_s[pool] += now - jobs[unit][2]  # type: ignore[index]
            jobs[unit] = None
            if stage == self.id_stage and not self._end_checkin(person):
                self._release(pool, unit)  # refused: left
                return
            if stage == self.call_stage and stage != self.id_stage and not self._end_call(
                    person):
                self._release(pool, unit)  # a duplicate caught by the call: left
                return
        pos += 1
        if pos < len(route):
            self.pos[person] = pos
            after = route[pos]
            after_pool = self.stage_pool[after]
            if after_pool == pool and self.stage_keep[stage]:
                self._start(pool, unit, person, after)  # the kept unit: no new wait
                return
            idle = self.idle[after_pool]  # _enter, inlined: this runs millions of times
            if idle:
                self._start(after_pool, idle.pop(), person, after)
            else:
                self.joined[person] = now
                self.line[after_pool].append(person)
        else:
            self.exit[person] = now
            if self.log is not None:
                self.note("exit", person)
            if now > self.last_departure_s:
                self.last_departure_s = now
        if self.line[pool]:
            self._unit_free(pool, unit)
        else:
            self.idle[pool].append(unit)

    def _release(self, pool: int, unit: int) -> None:
        if self.line[pool]:
            self._unit_free(pool, unit)
        else:
            self.idle[pool].append(unit)

    def _unit_free(self, pool: int, unit: int) -> None:
        person = self._next_in_line(pool)
        if person is None:
            self.idle[pool].append(unit)
        else:
            self._start(pool, unit, person, self.route[person][self.pos[person]])


def run_station(inp: StationInput, *, trace: bool = False) -> StationOutcome:
    """Simulate one station's day to the upload of its protocol."""
    station = _Station(inp, trace)
    station.env.run()
    station.count()
    return station.outcome()
