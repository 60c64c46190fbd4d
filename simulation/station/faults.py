"""Unit faults of one station's day: failures, repairs and replacements.

A mixin of the station model (:mod:`simulation.station.model`), kept apart because it runs a few
times per unit per day, not per voter. A unit that fails mid-stage drops that stage's end
event; its person goes first in line for the next unit of the pool.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, cast

import simpy

from simulation.station.flow_input import FlowInput, PoolFaults
from simulation.station.input import StationInput

Proc = Generator[simpy.Event, Any, None]
Job = tuple[int, simpy.Event, float]  # person, the stage's end event, start time


class StationFaults:
    """Failure processes of the station's units (mixed into ``_Station``)."""

    env: simpy.Environment
    inp: StationInput
    flow: FlowInput
    route: list[list[int]]
    pos: list[int]
    idle: list[list[int]]
    line: list[deque[int]]
    job: list[list[Job | None]]
    tracked: list[bool]
    busy_s: list[float]
    failures: list[int]
    down_s: list[float]
    repairs: int
    replacements: int
    requeued_at: dict[int, float]

    if TYPE_CHECKING:
        def note(self, event: str, person: int) -> None: ...
        def _enter(self, person: int, stage: int, *, first: bool = False) -> None: ...
        def _stage_done(self, event: simpy.Event) -> None: ...
        def _unit_free(self, pool: int, unit: int) -> None: ...

    def _faults(self) -> list[PoolFaults]:
        if self.inp.faults:
            return self.inp.faults
        if len(self.inp.up_s):
            pool = self.flow.stages[self.flow.identification_stage].pool
            return [PoolFaults(pool, self.inp.up_s, self.inp.repair_s)]
        return []

    def _start_failures(self, units: list[int]) -> None:
        """Track the units that can fail (to requeue their person) and start their faults."""
        faults = self._faults()
        for f in faults:
            self.tracked[f.pool] = True
        for f in faults:
            for k in range(min(len(f.up_s), units[f.pool])):
                self.env.process(self._failures(f, k))

    def _failures(self, faults: PoolFaults, k: int) -> Proc:
        t_s = self.inp.opens_s  # a unit starts wearing when the station opens (late or not)
        replaced = faults.replaced[k] if faults.replaced else []
        for j, (up_s, down_s) in enumerate(zip(faults.up_s[k], faults.down_s[k], strict=False)):
            t_s += up_s
            if t_s >= self.inp.close_s:
                return
            yield self.env.timeout(t_s - self.env.now)
            self._fail(faults.pool, k, down_s, bool(replaced and replaced[j]))
            t_s += down_s

    def _fail(self, pool: int, k: int, down_s: float, replaced: bool) -> None:
        now = self.env.now
        job = self.job[pool][k]
        self.failures[pool] += 1
        self.note("fail", k)
        if job is not None:
            # Failed mid-stage: the person is first in line for the next unit.
            person, stale, started_s = job
            stale.callbacks.remove(self._stage_done)  # its end will not come
            self.busy_s[pool] += now - started_s
            self.job[pool][k] = None
            self.requeued_at[person] = now
            self.note("requeue", person)
            self._enter(person, self.route[person][self.pos[person]], first=True)
        else:
            self.idle[pool].remove(k)
        self.env.timeout(down_s, (pool, k, down_s, replaced)).callbacks.append(self._back)

    def _back(self, event: simpy.Event) -> None:
        pool, k, down_s, replaced = cast(tuple[int, int, float, bool], event.value)
        self.down_s[pool] += down_s
        if replaced:
            self.replacements += 1
            self.note("replaced", k)
        else:
            self.repairs += 1
            self.note("repaired", k)
        self._unit_free(pool, k)
