"""The harness's own record of every answer it received (free of locust: the orchestrator's
audit reads it).

``ledger.ndjson`` has one JSON object per answered request item (a check-in, each item of a
sync batch, a duplicate attempt, a protocol upload)::

    {"kind": "checkin", "station": 3, "station_id": "PS00004", "voter": 17,
     "home_station": 3, "voter_id": "V00004000017", "status": 201,
     "checkin_id": "9f...", "idempotency_key": "..."}

``kind`` is ``checkin``, ``sync_checkin``, ``duplicate``, ``sync_duplicate`` or ``protocol``.
``station`` is the index of the station that sent the request; ``voter``/``home_station`` name
the voter (for a duplicate attempt: a voter accepted before at ``home_station``; -1 for a
protocol). ``checkin_id`` is set only on a 201. Protocol lines carry ``protocol``: the counts
sent (``ballots_issued``, ``ballots_valid``, ``ballots_invalid``, ``votes``). Requests that got
no answer at all (timeouts after the last retry, connection errors) have no line: they are
counted in ``loadtest.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

FIELDS = ("kind", "station", "station_id", "voter", "home_station", "voter_id", "status",
          "checkin_id", "idempotency_key", "protocol")
Entry = tuple[Any, ...]  # values in FIELDS order (compact for messages between processes)
ACCEPTED = 201


class Ledger:
    """Entries of one generator, plus the voters it saw accepted (for duplicate attempts and
    protocol counts)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._accepted: list[tuple[int, int]] = []  # (home station, voter)
        self._accepted_at: dict[int, int] = {}  # station -> check-ins accepted there

    def record(self, kind: str, station: int, station_id: str, voter: int, home_station: int,
               voter_id: str | None, status: int, checkin_id: str | None,
               idempotency_key: str | None, protocol: dict[str, Any] | None = None) -> None:
        self.entries.append((kind, station, station_id, voter, home_station, voter_id, status,
                             checkin_id, idempotency_key, protocol))
        if status == ACCEPTED and kind in ("checkin", "sync_checkin"):
            self._accepted.append((home_station, voter))
            self._accepted_at[station] = self._accepted_at.get(station, 0) + 1

    def accepted_at(self, station: int) -> int:
        """Check-ins accepted at ``station`` (genuine ones: duplicates are never counted)."""
        return self._accepted_at.get(station, 0)

    def pick_accepted_elsewhere(self, station: int, rng: np.random.Generator
                                ) -> tuple[int, int] | None:
        """A voter already accepted, preferably at another station than ``station``.

        ``None`` when nobody has been accepted yet.
        """
        n = len(self._accepted)
        if n == 0:
            return None
        for _ in range(8):
            pick = self._accepted[int(rng.integers(n))]
            if pick[0] != station:
                return pick
        return self._accepted[int(rng.integers(n))]


def entry_dict(entry: Entry) -> dict[str, Any]:
    out = dict(zip(FIELDS, entry, strict=True))
    if out["protocol"] is None:
        del out["protocol"]
    return out


def write_ledger(path: Path, entries: Iterable[Entry]) -> int:
    """Write entries as NDJSON; returns the number of lines."""
    n = 0
    with path.open("w") as out:
        for entry in entries:
            out.write(json.dumps(entry_dict(entry), separators=(",", ":")) + "\n")
            n += 1
    return n


def read_ledger(path: Path) -> Iterator[dict[str, Any]]:
    """The lines of a ``ledger.ndjson``, as dicts."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
