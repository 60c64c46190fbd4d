"""Check-in of one station's day: identification and the central call.

A mixin of the station model (:mod:`simulation.station.model`). The identification stage scans
and may refuse (not identified); the flow's calling stage (the identification stage unless
the flow names another, or none) sends the central call, online stations only, and refuses
the duplicate attempts the answer catches. A person whose route skips the calling stage
makes no call: a duplicate among them votes (found later, if ever).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from simulation.station.input import StationInput, Status


class StationCheckin:
    """Identification and the central call (mixed into ``_Station``)."""

    env: simpy.Environment
    inp: StationInput
    id_stage: int
    call_stage: int  # -1: nobody calls
    scan: list[float]
    call: list[float]
    call_ok: list[bool]
    bio_ok: list[bool]
    duplicate: list[bool]
    status: list[int]
    call_at: list[float]
    buffered_until: list[float]
    log: list[tuple[float, str, int]] | None

    if TYPE_CHECKING:
        def note(self, event: str, person: int) -> None: ...
        def _depart(self, person: int, at_s: float) -> None: ...

    def _begin_checkin(self, person: int) -> float:
        """Record the start of a check-in; return how long the unit is held."""
        now = self.env.now
        if self.log is not None:
            self.note("scan", person)
        held_s: float = self.scan[person]
        if not self.bio_ok[person]:
            return held_s
        if self.call_stage == self.id_stage:
            held_s += self._call(person, now + held_s)
        return held_s

    def _call(self, person: int, call_at_s: float) -> float:
        """The central call (online stations only) sent at ``call_at_s``; returns how much
        longer the unit is held (nothing during an outage: the check-in is buffered)."""
        if not self.inp.online:
            return 0.0
        outage_end_s = self.inp.in_outage(call_at_s)
        if outage_end_s is not None:
            self.buffered_until[person] = outage_end_s
            return 0.0
        self.call_at[person] = call_at_s
        call_s: float = self.call[person]
        if not self.call_ok[person]:
            flush_s = self.inp.buffer_flush_s
            self.buffered_until[person] = math.ceil((call_at_s + call_s) / flush_s) * flush_s
        return call_s

    def _caught(self, person: int) -> bool:
        """A duplicate attempt the central service answered (a call made, not buffered)."""
        return not math.isnan(self.call_at[person]) and math.isnan(self.buffered_until[person])

    def _end_call(self, person: int) -> bool:
        """End of a calling stage after identification: refuse a caught duplicate."""
        if not (self.duplicate[person] and self._caught(person)):
            return True
        self.status[person] = int(Status.REFUSED_DUPLICATE)
        if self.log is not None:
            self.note("refused", person)
        self._depart(person, self.env.now)
        return False

    def _end_checkin(self, person: int) -> bool:
        """Refuse (the person leaves) or let them on; True when they go on."""
        now = self.env.now
        if not self.bio_ok[person]:
            self.status[person] = int(Status.REFUSED_BIOMETRIC)
        elif self.duplicate[person]:
            # Uncaught until a later calling stage catches them (or none does: they vote).
            caught = self.call_stage == self.id_stage and self._caught(person)
            self.status[person] = int(
                Status.REFUSED_DUPLICATE if caught else Status.DUPLICATE_VOTED
            )
        if self.status[person] in (Status.REFUSED_BIOMETRIC, Status.REFUSED_DUPLICATE):
            if self.log is not None:
                self.note("refused", person)
            self._depart(person, now)
            return False
        if self.log is not None:
            self.note("checked_in", person)
        return True
