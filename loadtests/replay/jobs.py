"""One load generator's replay, without locust: what to load, which jobs are ours, and how a
job becomes requests, retries, measurements and ledger lines.

The HTTP transport is a plain callable (:data:`Transport`) so the same code runs under
Locust (gevent + FastHttpSession, see ``loadtests/replay/sender.py``) and in tests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

import simulation
from loadtests.adapter import Adapter, Answer, CheckinItem, HttpRequest, ProtocolCounts
from loadtests.latency import Recorder
from loadtests.ledger import Ledger
from loadtests.options import ReplayOptions
from loadtests.plan import (
    JobKind,
    JobPlan,
    build_jobs,
    event_weights,
    kept_stations,
    partition_stations,
    select_rows,
    with_public,
)
from loadtests.public_load import results_reads, webcam_views
from loadtests.register import synthetic as register
from simulation import EventKind, Scenario, StationTable, station_code
from simulation.clock import time_zero_utc
from simulation.outputs.schedule import PROTOCOL_KINDS
from simulation.outputs.schedule import load as load_schedule

_DUPLICATE_STREAM = 0xD0B1
_PROTOCOL_STREAM = 0x9207
DUPLICATE_WAIT_S = 5.0  # how long a duplicate attempt waits for someone to be accepted first
RETRY_BACKOFF_S = 0.1  # pause before retry n after a retryable answer (n x this)
# Jobs an adapter may declare absent (Adapter.absent), by the name it uses.
_ABSENT_KINDS: dict[int, str] = {JobKind.RESULTS: "results", JobKind.PROTOCOL: "protocol",
                 JobKind.PROTOCOL_FAILED: "failed_protocol"}


@dataclass(frozen=True)
class Response:
    status: int  # 0: no answer
    body: bytes = b""
    error: str | None = None  # "timeout" or "connection" when status is 0


Transport = Callable[[HttpRequest], Response]


@dataclass(frozen=True)
class Loaded:
    scenario: Scenario
    schedule: NDArray[np.void]
    stations: StationTable


@cache
def load(scenario_path: Path, schedule_file: Path | None) -> Loaded:
    """The scenario and its schedule (simulated here when no schedule file is given)."""
    scenario = simulation.load_scenario(scenario_path)
    if schedule_file is not None:
        # Mapped: only the replayed stations' rows are read from a national schedule.
        schedule = load_schedule(schedule_file, mmap=True)
    else:
        schedule = simulation.simulate(scenario, workers=1).schedule
    return Loaded(scenario, schedule, simulation.build_stations(scenario))


def kept_rows(loaded: Loaded, share: float) -> tuple[NDArray[np.int64], NDArray[np.void]]:
    kept = kept_stations(len(loaded.stations), share, loaded.scenario.election.seed)
    return kept, select_rows(loaded.schedule, kept)


def worker_stations(loaded: Loaded, share: float, worker: int, workers: int
                    ) -> NDArray[np.int64]:
    kept, _ = kept_rows(loaded, share)
    return partition_stations(kept, event_weights(loaded.schedule, kept), workers)[worker]


def worker_plan(loaded: Loaded, opts: ReplayOptions, worker: int, workers: int) -> JobPlan:
    """This generator's jobs: its stations' schedule rows plus its share of public reads."""
    mine = worker_stations(loaded, opts.station_share, worker, workers)
    plan = build_jobs(select_rows(loaded.schedule, mine), opts.compress,
                      origin_s=opts.window_start_s)
    _, all_rows = kept_rows(loaded, opts.station_share)
    protocols = all_rows["time_s"][np.isin(all_rows["kind"], PROTOCOL_KINDS)]
    last_s = float(protocols.max()) if len(protocols) else float(
        all_rows["time_s"].max(initial=0.0))
    shift_s = opts.window_start_s / opts.compress  # public reads on the window's clock

    def shifted(times_s: NDArray[np.float64]) -> NDArray[np.float64]:
        times_s = times_s - shift_s
        return times_s[times_s >= 0]

    if opts.results_rps > 0:
        plan = with_public(plan, shifted(results_reads(
            loaded.scenario, peak_rps=opts.results_rps, day_level=opts.results_day_level,
            compress=opts.compress, last_protocol_s=last_s, worker=worker, workers=workers)),
            JobKind.RESULTS)
    if opts.webcam_rps > 0:
        plan = with_public(plan, shifted(webcam_views(
            loaded.scenario, rps=opts.webcam_rps, compress=opts.compress,
            last_protocol_s=last_s, worker=worker, workers=workers)), JobKind.SNAPSHOT)
    return plan


def earliest_opening_utc(loaded: Loaded) -> dt.datetime:
    election = loaded.scenario.election
    return time_zero_utc(election.date, election.opening, loaded.stations.utc_offset_min)


class JobRunner:
    """Turns job ``j`` of ``plan`` into requests (with retries) and records the outcome."""

    def __init__(self, loaded: Loaded, plan: JobPlan, opts: ReplayOptions, adapter: Adapter,
                 transport: Transport, now: Callable[[], float],
                 sleep: Callable[[float], None], worker: int = 0) -> None:
        self.loaded = loaded
        self.plan = plan
        self.opts = opts
        self.adapter = adapter
        self.transport = transport
        self.now = now
        self.sleep = sleep
        self.recorder = Recorder()
        self.ledger = Ledger()
        self.recorder.schedule(plan.time_s.tolist())
        self.seed = loaded.scenario.election.seed
        self.attempts = 1 + loaded.scenario.central.retries
        self.origin = earliest_opening_utc(loaded)
        self.nonce = uuid.uuid4().hex[:12]
        self.rng = np.random.default_rng([_DUPLICATE_STREAM, worker, self.seed])
        self.webcams: list[str] = []
        shares = np.array([c.share for c in loaded.scenario.election.candidates])
        self.shares = shares / shares.sum()
        self.candidates = [c.name for c in loaded.scenario.election.candidates]

    # -- transport with retries -------------------------------------------------------------
    def request(self, req: HttpRequest, intended_s: float) -> Response:
        """Send ``req``, retrying timeouts and retryable answers with the same request (and so
        the same Idempotency-Key); record latency per attempt (from the send) and for the
        whole (from the intended time)."""
        rec, now = self.recorder, self.now
        name = f"{req.method} {req.name}"
        ep = rec.endpoint(name)
        resp = Response(0, error="connection")
        answered = sent = now()
        rec.record_sent(sent)
        for attempt in range(self.attempts):
            if attempt:
                ep.retries += 1
                if resp.status:  # a retryable answer: back off a little; a timeout waited
                    self.sleep(RETRY_BACKOFF_S * attempt)
                sent = now()
            resp = self.transport(req)
            answered = now()
            ep.record_attempt(sent, answered)
            if resp.status and resp.status not in self.adapter.retry_statuses:
                break
        status = str(resp.status) if resp.status else (resp.error or "connection")
        rec.record_outcome(name, status, resp.status in req.expected, intended_s, answered)
        rec.note_span(sent, answered)
        return resp

    # -- jobs -------------------------------------------------------------------------------
    def run_job(self, j: int) -> None:
        kind = int(self.plan.kind[j])
        intended = float(self.plan.time_s[j])
        if self._absent(kind):
            return
        if kind == JobKind.RESULTS:
            self.request(self.adapter.results(), intended)
        elif kind == JobKind.SNAPSHOT:
            if self.webcams:
                pick = self.webcams[int(self.rng.integers(len(self.webcams)))]
                self.request(self.adapter.snapshot(pick), intended)
            else:
                self.recorder.counters["snapshot_skipped_no_streams"] += 1
        elif kind == JobKind.PROTOCOL:
            self._protocol(j, intended)
        elif kind == JobKind.PROTOCOL_FAILED:
            attempt = -int(self.plan.rows[int(self.plan.first[j])]["voter"])  # -1: first
            counts = self.protocol_counts(int(self.plan.station[j]))
            self.request(self.adapter.failed_protocol(counts, attempt), intended)
        elif kind == JobKind.BATCH:
            self._batch(j, intended)
        else:
            self._checkin(j, intended)

    def _absent(self, kind: int) -> bool:
        """A job of a kind the target does not have (the adapter's ``absent``): counted
        (``<kind>_skipped_absent``), not sent. Syncs are sent as single check-ins instead."""
        name = _ABSENT_KINDS.get(kind)
        if name is None or name not in self.adapter.absent:
            return False
        self.recorder.counters[f"{name}_skipped_absent"] += 1
        return True

    def fetch_streams(self) -> None:
        if "streams" in self.adapter.absent:
            return
        resp = self.request(self.adapter.streams(), self.now())
        self.webcams = self.adapter.parse_streams(resp.status, resp.body)

    def _item(self, j: int, row: int, k: int) -> CheckinItem | None:
        r = self.plan.rows[row]
        station = int(r["station"])
        duplicate = int(r["kind"]) in (EventKind.DUPLICATE, EventKind.SYNC_DUPLICATE)
        if duplicate:
            pick = self.ledger.pick_accepted_elsewhere(station, self.rng)
            waited = 0.0
            while pick is None and waited < DUPLICATE_WAIT_S:
                self.sleep(0.05)
                waited += 0.05
                pick = self.ledger.pick_accepted_elsewhere(station, self.rng)
            if pick is None:
                self.recorder.counters["duplicates_without_candidate"] += 1
                return None
            home, voter = pick
        else:
            home, voter = station, int(r["voter"])
        return CheckinItem(
            station=station, station_id=station_code(station), voter=voter, home_station=home,
            voter_id=self.adapter.voter_id(home, voter),
            template_b64=register.rescan(home, voter, self.seed, 0),
            scanned_at=self.origin + dt.timedelta(seconds=float(r["time_s"])),
            idempotency_key=f"{self.nonce}-{j}-{k}", duplicate=duplicate)

    def _record_item(self, item: CheckinItem, answer: Answer, sync: bool) -> None:
        if answer.status == 0:
            return
        kind = ("sync_" if sync else "") + ("duplicate" if item.duplicate else "checkin")
        self.ledger.record(kind, item.station, item.station_id, item.voter, item.home_station,
                           item.voter_id, answer.status, answer.checkin_id,
                           item.idempotency_key)

    def _checkin(self, j: int, intended: float) -> None:
        item = self._item(j, int(self.plan.first[j]), 0)
        if item is None:
            return
        resp = self.request(self.adapter.checkin(item), intended)
        answer = self.adapter.parse_checkin(item, resp.status, resp.body) if resp.status else \
            Answer(0)
        self._record_item(item, answer, sync=False)

    def _batch(self, j: int, intended: float) -> None:
        first, count = int(self.plan.first[j]), int(self.plan.count[j])
        items = [i for k in range(count) if (i := self._item(j, first + k, k)) is not None]
        if not items:
            return
        if "batch" in self.adapter.absent:  # one check-in per item, one after the other
            self.recorder.counters["sync_items_sent_single"] += len(items)
            for item in items:
                resp = self.request(self.adapter.checkin(item), intended)
                self._record_item(item, self.adapter.parse_checkin(
                    item, resp.status, resp.body) if resp.status else Answer(0), sync=True)
            return
        req = self.adapter.batch(items[0].station_id, items)
        resp = self.request(req, intended)
        answers = self.adapter.parse_batch(items, resp.status, resp.body)
        ep = self.recorder.endpoint(f"{req.method} {req.name}")
        for item, answer in zip(items, answers, strict=True):
            expected = 409 if item.duplicate else 201
            label = str(answer.status) if answer.status else "none"
            ep.item_statuses[label if answer.status != expected else f"{label} (expected)"] += 1
            self._record_item(item, answer, sync=True)

    def protocol_counts(self, station: int) -> ProtocolCounts:
        """Ballots = this station's accepted check-ins in the ledger; votes split by the
        scenario's candidate shares (deterministic per station)."""
        issued = self.ledger.accepted_at(station)
        rng = np.random.default_rng([_PROTOCOL_STREAM, station, self.seed])
        invalid = int(rng.binomial(issued, self.opts.invalid_share)) if issued else 0
        valid = issued - invalid
        votes = rng.multinomial(valid, self.shares) if valid else np.zeros(len(self.shares))
        return ProtocolCounts(station, station_code(station), issued, valid, invalid,
                              {n: int(v) for n, v in zip(self.candidates, votes, strict=True)})

    def _protocol(self, j: int, intended: float) -> None:
        station = int(self.plan.station[j])
        counts = self.protocol_counts(station)
        resp = self.request(self.adapter.protocol(counts), intended)
        if resp.status:
            self.ledger.record("protocol", station, counts.station_id, -1, station, None,
                               resp.status, None, None, counts.as_dict())
