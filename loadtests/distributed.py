"""Workers on other machines (imported by the locustfile only: it imports gevent and locust).

A worker started elsewhere (``pollday worker --master HOST:PORT``, or ``locust -f
loadtests/locustfile.py --worker --master-host HOST``) shares no files with the master. So:

* **The replay's files come from the master.** Each worker says at start-up which scenario
  and schedule it holds (a SHA-256 of their bytes, or nothing: :data:`HELLO`). When a test
  starts, the master sends ``scenario.toml`` and ``schedule.npy`` in chunks (:data:`FILES`)
  to every worker that does not hold the same bytes, before the spawn message that starts
  the worker's replay (one ordered channel per worker, handled in order on the worker). The
  worker keeps them in a temporary folder and replays from there. Local ``--processes``
  workers hold the master's files already and are sent nothing.
* **Stations are split exactly as with ``--processes``**: by the sorted client ids, so the
  same scenario gives the same ledger whatever machines the workers run on.
* **A worker lost mid-replay is reported.** Locust's heartbeat marks a worker "missing" after
  a few seconds of silence (or it quits): the master logs which worker, which stations and
  when, stops waiting for its report, and ``loadtest.json`` counts it in
  ``generator.missing_workers`` (a harness failure: exit 3) and lists it under
  ``options.generator_workers``.
* **A bounded wait for the workers** (``--workers-wait S``): a master still short of
  ``--expect-workers`` after S seconds names the workers that joined and exits 3.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent

from simulation.errors import ExitCode

__all__ = [
    "FILES", "HELLO", "TRACK", "Tracker", "file_identity", "generator_workers", "lost_workers",
    "new_test", "on_files",
    "on_hello", "received_paths", "send_files", "watch_workers_join", "worker_hello",
]

log = logging.getLogger("pollday.locust")
HELLO = "pollday_hello"  # worker -> master: {"identity": str | None}
FILES = "pollday_files"  # master -> worker: one chunk of a replay file
CHUNK_BYTES = 4 << 20
HELLO_WAIT_S = 10.0  # how long a starting test waits for the hellos of connected workers
MISSING = "missing"  # Locust's state of a worker without heartbeats


@dataclass
class Tracker:
    """What this process knows of the distributed replay (master and worker sides)."""

    identities: dict[str, str | None] = field(default_factory=dict)  # master: client -> hello
    sent: dict[str, str] = field(default_factory=dict)  # master: client -> identity sent
    partition: dict[str, int] = field(default_factory=dict)  # master: client -> worker index
    lost: dict[int, dict[str, Any]] = field(default_factory=dict)  # master: index -> details
    stations: dict[int, int] = field(default_factory=dict)  # master: index -> stations
    started_at: float = 0.0  # master: wall time of the replay's time zero
    received: Path | None = None  # worker: folder holding the files the master sent
    receiving: dict[str, Any] = field(default_factory=dict)  # worker: file name -> open file
    own: tuple[str, str] | None = None  # worker: its own --scenario/--schedule, if loadable

    def new_test(self, partition: dict[str, int], stations: dict[int, int],
                 zero_epoch: float) -> None:
        self.partition, self.stations, self.lost = partition, stations, {}
        self.started_at = zero_epoch


TRACK = Tracker()
_IDENTITY_CACHE: dict[tuple[tuple[str, int, int], ...], str] = {}


def _digest(path: Path, h: Any) -> None:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            h.update(chunk)


def file_identity(scenario: Path, schedule: Path | None) -> str:
    """SHA-256 over the scenario's bytes, then the schedule's (none: scenario only)."""
    stats = [(str(p), p.stat().st_size, p.stat().st_mtime_ns)
             for p in (scenario, schedule) if p is not None]
    key = tuple(stats)
    if key not in _IDENTITY_CACHE:
        h = hashlib.sha256()
        _digest(scenario, h)
        h.update(b"\0schedule\0" if schedule is not None else b"\0none\0")
        if schedule is not None:
            _digest(schedule, h)
        _IDENTITY_CACHE[key] = h.hexdigest()
    return _IDENTITY_CACHE[key]


# -- worker side ---------------------------------------------------------------------------
def worker_hello(runner: Any, scenario: Path | None, schedule: Path | None) -> None:
    """Tell the master which replay files this worker holds (None: none it could load)."""
    identity = None
    if scenario is not None:
        try:
            identity = file_identity(scenario, schedule)
            TRACK.own = (str(scenario), str(schedule or ""))
        except OSError:
            identity = None
    runner.send_message(HELLO, {"identity": identity})


def on_files(environment: Any, msg: Any, **_: Any) -> None:
    """A chunk of ``scenario.toml`` or ``schedule.npy``; the last one checks the identity."""
    data = msg.data
    identity = str(data["identity"])
    folder = Path(tempfile.gettempdir()) / f"pollday-replay-{os.getpid()}" / identity[:16]
    if data["offset"] == 0 and data["name"] == "scenario.toml":
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        atexit.register(shutil.rmtree, folder.parent, True)
    path = folder / str(data["name"])
    with path.open("ab" if data["offset"] else "wb") as f:
        f.write(data["data"])
    if not data["done"]:
        return
    schedule = folder / "schedule.npy"
    got = file_identity(folder / "scenario.toml", schedule if schedule.is_file() else None)
    if got != identity:
        log.error("pollday: the replay files from the master arrived damaged (sha256 %s, "
                  "expected %s); this worker cannot replay", got[:12], identity[:12])
        TRACK.received = None
        return
    TRACK.received = folder
    log.info("pollday: replay files from the master in %s", folder)


def received_paths(ns: Any) -> None:
    """Point this worker's options at the files it holds: those the master sent, else its
    own (the master's paths, sent with the spawn message, may not exist on this machine)."""
    if TRACK.received is not None:
        schedule = TRACK.received / "schedule.npy"
        ns.scenario = str(TRACK.received / "scenario.toml")
        ns.schedule = str(TRACK.received) if schedule.is_file() else ""
    elif TRACK.own is not None:
        ns.scenario, ns.schedule = TRACK.own


# -- master side ---------------------------------------------------------------------------
def on_hello(environment: Any, msg: Any, **_: Any) -> None:
    TRACK.identities[str(msg.node_id)] = msg.data.get("identity")


def send_files(runner: Any, clients: list[str], scenario: Path, schedule: Path | None) -> None:
    """Send the replay files to every worker in ``clients`` that does not hold them."""
    waited = 0.0
    while any(c not in TRACK.identities for c in clients) and waited < HELLO_WAIT_S:
        gevent.sleep(0.1)
        waited += 0.1
    identity = file_identity(scenario, schedule)
    needy = [c for c in clients
             if TRACK.identities.get(c) != identity and TRACK.sent.get(c) != identity]
    if not needy:
        return
    files = [(scenario, "scenario.toml")] + ([(schedule, "schedule.npy")] if schedule else [])
    size = sum(p.stat().st_size for p, _ in files)
    log.info("pollday: sending the replay files (%.1f MB) to %d workers", size / 1e6, len(needy))
    for client in needy:
        for k, (path, name) in enumerate(files):
            offset = 0
            with path.open("rb") as f:
                while True:
                    chunk = f.read(CHUNK_BYTES)
                    last = len(chunk) < CHUNK_BYTES and k == len(files) - 1
                    runner.send_message(FILES, {"identity": identity, "name": name,
                                                "offset": offset, "data": chunk, "done": last},
                                        client_id=client)
                    offset += len(chunk)
                    gevent.sleep(0)  # let heartbeats through between chunks
                    if len(chunk) < CHUNK_BYTES:
                        break
        TRACK.sent[client] = identity


def new_test(clients: list[str], stations: dict[int, int], zero_epoch: float) -> None:
    """A test starts: worker ``i`` is ``clients[i]`` (sorted ids, as the partition)."""
    TRACK.new_test({c: i for i, c in enumerate(clients)}, stations, zero_epoch)


def lost_workers(runner: Any, done: set[int]) -> set[int]:
    """Worker indices lost so far (missing heartbeats, or gone) that never reported; logs
    each the first time it is seen."""
    for client, index in TRACK.partition.items():
        if index in done or index in TRACK.lost:
            continue
        node = runner.clients.get(client)
        if node is not None and node.state != MISSING:
            continue
        at_s = round(time.time() - TRACK.started_at, 1)
        TRACK.lost[index] = {"worker": index, "client": client, "lost_at_s": at_s,
                             "stations": TRACK.stations.get(index, 0),
                             "state": "missing" if node is not None else "quit"}
        log.error("pollday: worker %d/%d (%s) lost %.1f s into the replay (%s): its %d "
                  "stations' answers are missing from the ledger and the figures; the run "
                  "counts it in generator.missing_workers", index + 1, len(TRACK.partition),
                  client, at_s, "no heartbeat" if node is not None else "it quit",
                  TRACK.stations.get(index, 0))
    return set(TRACK.lost)


def generator_workers(done: set[int]) -> list[dict[str, Any]]:
    """Every worker of the last test: index, client id, reported or lost (and when)."""
    out = []
    for client, index in sorted(TRACK.partition.items(), key=lambda kv: kv[1]):
        lost = TRACK.lost.get(index)
        out.append({"worker": index, "client": client, "reported": index in done,
                    "lost_at_s": lost["lost_at_s"] if lost else None})
    return out


def watch_workers_join(runner: Any, expected: int, wait_s: float, bind: str,
                       started: Any) -> None:
    """After ``wait_s``, a master still short of ``expected`` workers (and not started)
    says who joined and how to start the others, then exits 3."""
    gevent.sleep(wait_s)
    if started() or len(runner.clients.ready) >= expected:
        return
    joined = sorted(c.id for c in runner.clients.all)
    message = (f"pollday: {len(joined)} of {expected} Locust workers joined within "
               f"{wait_s:g} s ({', '.join(joined) or 'none'}); start the others on the "
               f"generator machines with 'pollday worker --master {bind}' (they must reach "
               "this address: check the firewall and --master-bind)")
    log.error(message)
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    runner.quit()
    os._exit(ExitCode.HARNESS)
