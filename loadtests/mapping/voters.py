"""The target's own voters: a CSV of the voter ids it already holds, per station.

::

    station_id,voter_id
    PS00001,AZE-7731-0042
    PS00001,AZE-1187-5530
    ...

``station_id`` is pollday's station code (``PS00001`` is station index 0, as in
``pollday register``'s station lines); ``voter_id`` is any text the target knows. Simulated
voter ``v`` of station ``s`` is the id at position ``perm_s[v]`` of that station's ids
sorted, where ``perm_s`` is a permutation seeded by the scenario's seed and the station
(``numpy.random.default_rng([OWN_VOTERS_STREAM, s, seed])``): the same scenario and CSV
always give the same ids, whatever the CSV's row order or the number of load generators. A
duplicate attempt names a voter already accepted at its home station, so it sends an id that
was used there. A station needs at least as many ids as the voters the scenario registers
there (its simulated voters are drawn among them).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from loadtests.adapter import AdapterError
from simulation import Scenario, build_stations, station_code

__all__ = ["OWN_VOTERS_STREAM", "OwnVoters", "OwnVotersError", "read_own_voters"]

OWN_VOTERS_STREAM = 0x0A7E  # this module's random stream (default_rng convention)
_SHOWN = 5  # stations named in a message before "and N more"


class OwnVotersError(AdapterError):
    """A voters CSV that cannot be used; the message says what to add or fix."""


@dataclass
class OwnVoters:
    """Ids per station code (sorted), and the seeded order in which voters take them."""

    file: Path
    ids: dict[str, list[str]]
    seed: int = 0
    _order: dict[int, NDArray[np.int64]] = field(default_factory=dict)

    def voter_id(self, station: int, voter: int) -> str:
        """The target's id for simulated voter ``voter`` of station index ``station``."""
        order = self._order.get(station)
        ids = self.ids[station_code(station)]
        if voter >= len(ids):
            raise OwnVotersError(
                f"{self.file}: {station_code(station)} has {len(ids)} voter ids, the replay "
                f"names voter {voter + 1} there; add ids (pollday capacity against --host "
                "checks in a fresh block of each station's voters per level)")
        if order is None:
            rng = np.random.default_rng([OWN_VOTERS_STREAM, station, self.seed])
            order = self._order[station] = rng.permutation(len(ids))
        return ids[int(order[voter])]

    def check(self, scenario: Scenario) -> None:
        """Refuse a CSV that misses stations of ``scenario`` or has too few ids at one."""
        registered = build_stations(scenario).registered
        missing, short = [], []
        for s, needed in enumerate(registered.tolist()):
            have = len(self.ids.get(station_code(s), ()))
            if have == 0:
                missing.append(station_code(s))
            elif have < needed:
                short.append(f"{station_code(s)} has {have}, needs {needed}")
        problems = []
        if missing:
            problems.append(f"no voter ids for {len(missing)} of the scenario's "
                            f"{len(registered)} stations ({_listed(missing)}): add rows "
                            "'station_id,voter_id' for them")
        if short:
            problems.append(f"too few voter ids at {len(short)} station(s) ({_listed(short)}): "
                            "a station needs one id per voter the scenario registers there")
        if problems:
            raise OwnVotersError(f"{self.file}: " + "; ".join(problems))
        self.seed = scenario.election.seed


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def read_own_voters(path: Path) -> OwnVoters:
    """Read a voters CSV (header ``station_id,voter_id``, any other columns ignored)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = csv.reader(f)
            header = [h.strip() for h in next(rows, [])]
            if "station_id" not in header or "voter_id" not in header:
                raise OwnVotersError(f"{path}:1: the header must name the columns station_id "
                                     f"and voter_id, got {','.join(header) or '(empty)'}")
            at_station, at_voter = header.index("station_id"), header.index("voter_id")
            ids: dict[str, list[str]] = {}
            seen: dict[str, int] = {}
            for line, row in enumerate(rows, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) <= max(at_station, at_voter):
                    raise OwnVotersError(f"{path}:{line}: {len(row)} column(s), the header "
                                         f"has {len(header)}")
                station, voter = row[at_station].strip(), row[at_voter].strip()
                if not station or not voter:
                    raise OwnVotersError(f"{path}:{line}: empty station_id or voter_id")
                if voter in seen:
                    raise OwnVotersError(f"{path}:{line}: voter id {voter!r} is already on line "
                                         f"{seen[voter]}: an id names one voter")
                seen[voter] = line
                ids.setdefault(station, []).append(voter)
    except OSError as error:
        raise OwnVotersError(f"{path}: cannot read: {error.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise OwnVotersError(f"{path}: not a UTF-8 CSV file ({error})") from None
    return OwnVoters(path, {s: sorted(v) for s, v in ids.items()})
