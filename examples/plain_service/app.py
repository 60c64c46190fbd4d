"""A check-in service written the way many teams write one, not the way pollday's is.

Starlette + SQLite (the standard library's ``sqlite3``), run by uvicorn::

    PLAIN_API_KEY=k python examples/plain_service/app.py --voters voters.csv --db plain.db

Its own dialect (README.md beside this file), which ``pollday-adapter.toml`` maps:

- every station request carries ``X-Api-Key`` (one key for all stations, from
  ``$PLAIN_API_KEY``) and ``X-Station`` (the station's id; it must match the path);
- ``POST /api/stations/{station}/voters/{voter}/checkin`` with ``{"scanned_at": ...}`` and an
  optional ``Idempotency-Key`` header: 200 ``{"checkin": {"id": ...}}``, 409 already voted
  (anywhere), 404 unknown voter, 403 another station's voter or a wrong ``X-Station``, 401 no
  or a wrong key, 429 too many requests in flight, 503 database busy. The same key replayed
  gets the first answer again;
- ``PUT /api/stations/{station}/count`` with ``{"issued", "valid", "invalid",
  "per_candidate"}``: 201 stored, 200 the same again, 409 a different count, 422 counts that
  do not add up;
- ``GET /api/tally``: the sum of the counts stored; ``GET /api/health``.

Voters are loaded from a CSV (``station_id,voter_id``) when the database is created. There is
no batch endpoint, no webcam streams and no admin contract.
"""

from __future__ import annotations

import argparse
import csv
import hmac
import json
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY_ENV = "PLAIN_API_KEY"
SCHEMA = """
CREATE TABLE IF NOT EXISTS voters (voter_id TEXT PRIMARY KEY, station_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkins (
    id TEXT PRIMARY KEY, voter_id TEXT NOT NULL UNIQUE, station_id TEXT NOT NULL,
    scanned_at TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refusals (
    voter_id TEXT NOT NULL, station_id TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replies (
    idem_key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (station_id TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


def open_db(path: Path, voters_csv: Path | None) -> sqlite3.Connection:
    """The database (created, WAL, with the voters of ``voters_csv`` on first use)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    if voters_csv is not None and db.execute("SELECT COUNT(*) FROM voters").fetchone()[0] == 0:
        with voters_csv.open(newline="", encoding="utf-8") as f:
            rows = [(r["voter_id"], r["station_id"]) for r in csv.DictReader(f)]
        db.execute("BEGIN")
        db.executemany("INSERT INTO voters VALUES (?, ?)", rows)
        db.execute("COMMIT")
    return db


def _error(status: int, code: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": code, **extra}


class PlainService:
    """The routes; every database step runs on the event loop, one at a time."""

    def __init__(self, db: sqlite3.Connection, api_key: str, max_in_flight: int) -> None:
        self.db = db
        self.api_key = api_key.encode()
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    def _station_auth(self, request: Request, station: str) -> tuple[int, dict[str, Any]] | None:
        key = request.headers.get("x-api-key", "").encode("utf-8", "replace")
        if not hmac.compare_digest(key, self.api_key):
            return _error(401, "bad_api_key")
        if request.headers.get("x-station") != station:
            return _error(403, "station_header_mismatch")
        return None

    async def checkin(self, request: Request) -> Response:
        if self.in_flight >= self.max_in_flight:
            return JSONResponse({"error": "busy"}, 429, headers={"Retry-After": "1"})
        self.in_flight += 1
        try:
            station = request.path_params["station"]
            voter = request.path_params["voter"]
            refused = self._station_auth(request, station)
            if refused:
                return JSONResponse(refused[1], refused[0])
            try:
                payload = json.loads(await request.body() or b"{}")
            except ValueError:
                return JSONResponse({"error": "not_json"}, 400)
            scanned_at = str(payload.get("scanned_at", "")) if isinstance(payload, dict) else ""
            key = request.headers.get("idempotency-key")
            try:
                status, body = self._checkin(station, voter, scanned_at, key)
            except sqlite3.OperationalError:
                return JSONResponse({"error": "database_busy"}, 503)
            return JSONResponse(body, status)
        finally:
            self.in_flight -= 1

    def _checkin(self, station: str, voter: str, scanned_at: str, key: str | None
                 ) -> tuple[int, dict[str, Any]]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if key:
                row = db.execute("SELECT status, body FROM replies WHERE idem_key = ?",
                                 (key,)).fetchone()
                if row:
                    db.execute("COMMIT")
                    return int(row[0]), json.loads(row[1])
            status, body = self._decide(station, voter, scanned_at)
            if key:
                db.execute("INSERT INTO replies VALUES (?, ?, ?)",
                           (key, status, json.dumps(body)))
            db.execute("COMMIT")
            return status, body
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _decide(self, station: str, voter: str, scanned_at: str) -> tuple[int, dict[str, Any]]:
        db = self.db
        done = db.execute("SELECT station_id, received_at FROM checkins WHERE voter_id = ?",
                          (voter,)).fetchone()
        if done:
            db.execute("INSERT INTO refusals VALUES (?, ?, 'already_voted')", (voter, station))
            return _error(409, "already_voted", station=done[0], at=done[1])
        home = db.execute("SELECT station_id FROM voters WHERE voter_id = ?",
                          (voter,)).fetchone()
        if home is None:
            return _error(404, "unknown_voter")
        if home[0] != station:
            return _error(403, "registered_elsewhere", station=home[0])
        checkin_id = uuid.uuid4().hex
        received = datetime.now(UTC).isoformat()
        db.execute("INSERT INTO checkins VALUES (?, ?, ?, ?, ?)",
                   (checkin_id, voter, station, scanned_at, received))
        return 200, {"checkin": {"id": checkin_id, "voter": voter, "station": station,
                                 "at": received}}

    async def count(self, request: Request) -> Response:
        station = request.path_params["station"]
        refused = self._station_auth(request, station)
        if refused:
            return JSONResponse(refused[1], refused[0])
        try:
            c = json.loads(await request.body())
            issued, valid, invalid = int(c["issued"]), int(c["valid"]), int(c["invalid"])
            per = {str(k): int(v) for k, v in dict(c["per_candidate"]).items()}
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "malformed_count"}, 400)
        if valid + invalid != issued or sum(per.values()) != valid or min(
                [issued, valid, invalid, *per.values()]) < 0:
            return JSONResponse({"error": "count_does_not_add_up"}, 422)
        body = json.dumps({"issued": issued, "valid": valid, "invalid": invalid,
                           "per_candidate": per}, sort_keys=True)
        try:
            row = self.db.execute("SELECT body FROM counts WHERE station_id = ?",
                                  (station,)).fetchone()
            if row:
                same = row[0] == body
                return JSONResponse({"stored": same}, 200 if same else 409)
            self.db.execute("INSERT INTO counts VALUES (?, ?)", (station, body))
        except sqlite3.OperationalError:
            return JSONResponse({"error": "database_busy"}, 503)
        return JSONResponse({"stored": True}, 201)

    async def tally(self, request: Request) -> Response:
        totals: dict[str, int] = {}
        stations = 0
        for (body,) in self.db.execute("SELECT body FROM counts"):
            stations += 1
            for name, votes in json.loads(body)["per_candidate"].items():
                totals[name] = totals.get(name, 0) + int(votes)
        return JSONResponse({"stations_counted": stations, "per_candidate": totals},
                            headers={"Cache-Control": "public, max-age=2"})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})


def build_app(db: sqlite3.Connection, api_key: str, max_in_flight: int = 256) -> Starlette:
    svc = PlainService(db, api_key, max_in_flight)
    return Starlette(routes=[
        Route("/api/stations/{station}/voters/{voter}/checkin", svc.checkin, methods=["POST"]),
        Route("/api/stations/{station}/count", svc.count, methods=["PUT"]),
        Route("/api/tally", svc.tally, methods=["GET"]),
        Route("/api/health", svc.health, methods=["GET"]),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--db", type=Path, default=Path("plain.db"))
    parser.add_argument("--voters", type=Path, help="CSV station_id,voter_id (first start)")
    parser.add_argument("--max-in-flight", type=int, default=256,
                        help="check-ins in progress before answering 429 (default 256)")
    args = parser.parse_args(argv)
    api_key = os.environ.get(API_KEY_ENV, "")
    if not api_key:
        parser.error(f"set ${API_KEY_ENV}: the key every station sends in X-Api-Key")
    if not 1 <= args.max_in_flight <= 100_000:
        parser.error("--max-in-flight must be in 1..100000")
    app = build_app(open_db(args.db, args.voters), api_key, args.max_in_flight)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                timeout_keep_alive=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
