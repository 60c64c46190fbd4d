"""Streaming import of the register: election, constituencies, stations and voters (NDJSON).

One JSON object per line with a ``kind`` field (``election``, ``constituency``, ``station``,
``voter``); the format ``pollday register`` writes. Lines are validated by hand rather than
by pydantic because a national register has millions of them; rows are upserted in batches,
so importing the same file twice is harmless and a failed import can be fixed and rerun.
A bad line stops the import: every line before it is imported (the pending batch is written
first), the bad line and every line after it are not.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path
from typing import Any

from service.biometrics import TemplateError, decode_template
from service.exits import ServiceInputError
from service.store import Database, Tx

BATCH_ROWS = 5000
MAX_LINE_BYTES = 64 * 1024

UPSERTS = {
    "election": "INSERT INTO elections (election_id, name, candidates) VALUES (1, ?, ?) "
    "ON CONFLICT (election_id) DO UPDATE SET name = excluded.name, "
    "candidates = excluded.candidates",
    "constituency": "INSERT INTO constituencies (constituency_id, name) VALUES (?, ?) "
    "ON CONFLICT (constituency_id) DO UPDATE SET name = excluded.name",
    "station": "INSERT INTO stations (station_id, constituency_id, registered, utc_offset_min, "
    "online, webcam) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (station_id) DO UPDATE SET "
    "constituency_id = excluded.constituency_id, registered = excluded.registered, "
    "utc_offset_min = excluded.utc_offset_min, online = excluded.online, "
    "webcam = excluded.webcam",
    "voter": "INSERT INTO voters (voter_id, station_id, first_name, last_name, birth_date, "
    "template) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (voter_id) DO UPDATE SET "
    "station_id = excluded.station_id, first_name = excluded.first_name, "
    "last_name = excluded.last_name, birth_date = excluded.birth_date, "
    "template = excluded.template",
}


class ImportError_(ServiceInputError, ValueError):
    """A line that cannot be imported; the message names the line and the fix."""


def _encodable(text: str) -> bool:
    # A lone surrogate ("\ud800" escaped in JSON) is a valid JSON string but not UTF-8: the
    # database drivers refuse it at insert time, where the line is no longer known.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field(record: dict[str, Any], name: str, kind: type, line_no: int) -> Any:
    value: Any = record.get(name)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is str and ok and ("\x00" in value or not value or not _encodable(value)):
        ok = False
    if kind is int and ok and name == "utc_offset_min":
        ok = -24 * 60 < value < 24 * 60
    if kind is int and ok and not -(2**62) < value < 2**62:
        ok = False
    if not ok:
        raise ImportError_(
            f"line {line_no}: field {name!r} must be a non-empty {kind.__name__} (UTF-8, "
            f"no NUL), got {value!r}"
        )
    return value


def _row(record: dict[str, Any], line_no: int) -> tuple[str, Sequence[Any]]:
    kind = record.get("kind")
    f: Callable[[str, type], Any] = lambda name, t: _field(record, name, t, line_no)  # noqa: E731
    if kind == "voter":
        try:
            template = decode_template(f("template", str))
        except TemplateError as exc:
            raise ImportError_(f"line {line_no}: {exc}") from None
        return kind, (f("voter_id", str), f("station_id", str), f("first_name", str),
                      f("last_name", str), f("birth_date", str), template)
    if kind == "station":
        return kind, (f("station_id", str), f("constituency_id", int), f("registered", int),
                      f("utc_offset_min", int) if "utc_offset_min" in record else 0,
                      int(bool(record.get("online", True))), int(bool(record.get("webcam", False))))
    if kind == "constituency":
        return kind, (f("constituency_id", int), f("name", str))
    if kind == "election":
        candidates = record.get("candidates")
        if not isinstance(candidates, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and _encodable(c["name"])
            for c in candidates
        ):
            raise ImportError_(
                f"line {line_no}: 'candidates' must be a list of objects with a 'name' "
                "(a UTF-8 string)"
            )
        return kind, (f("name", str), json.dumps([c["name"] for c in candidates]))
    raise ImportError_(
        f"line {line_no}: unknown kind {kind!r}; expected election, constituency, station or voter"
    )


class RegisterImporter:
    """Feed NDJSON lines; rows are written in batches as they come."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: dict[str, list[Sequence[Any]]] = {k: [] for k in UPSERTS}
        self.counts: dict[str, int] = {k: 0 for k in UPSERTS}
        self.lines = 0

    async def feed(self, line: bytes) -> None:
        self.lines += 1
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ImportError_(f"line {self.lines}: not valid JSON ({exc})") from None
        except RecursionError:
            # json.loads recurses per nesting level: a line of '[' exhausts the stack.
            raise ImportError_(
                f"line {self.lines}: JSON nested too deeply; a register line is one flat object"
            ) from None
        if not isinstance(record, dict):
            raise ImportError_(f"line {self.lines}: expected a JSON object")
        kind, row = _row(record, self.lines)
        self.pending[kind].append(row)
        if len(self.pending[kind]) >= BATCH_ROWS:
            await self.flush()

    async def flush(self) -> None:
        if not any(self.pending.values()):
            return
        pending, self.pending = self.pending, {k: [] for k in UPSERTS}

        async def work(tx: Tx) -> int:
            for kind, rows in pending.items():
                if rows:
                    await tx.executemany(UPSERTS[kind], rows)
            # Station totals feed the results' "x of y stations": cached bodies must go.
            row = await tx.fetchone("UPDATE meta SET value = value + 1 "
                                    "WHERE key = 'results_version' RETURNING value")
            return int(row[0]) if row else 0

        self.db.saw_results_version(await self.db.run_write(work))
        for kind, rows in pending.items():
            self.counts[kind] += len(rows)

    def summary(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "elections": self.counts["election"],
            "constituencies": self.counts["constituency"],
            "stations": self.counts["station"],
            "voters": self.counts["voter"],
        }


async def import_stream(db: Database, chunks: AsyncIterable[bytes]) -> dict[str, int]:
    """Import an NDJSON byte stream; raise ImportError_ at the first bad line.

    The lines before the bad one are imported, so the error can say so truthfully."""
    importer = RegisterImporter(db)
    try:
        await _feed_lines(importer, chunks)
    except ImportError_:
        await importer.flush()
        raise
    await importer.flush()
    return importer.summary()


async def _feed_lines(importer: RegisterImporter, chunks: AsyncIterable[bytes]) -> None:
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            await importer.feed(line)
        if len(buffer) > MAX_LINE_BYTES:
            raise ImportError_(f"line {importer.lines + 1}: longer than {MAX_LINE_BYTES} bytes")
    if buffer:
        await importer.feed(buffer)


async def import_file(db: Database, path: Path) -> dict[str, int]:
    """Import a register file (``.ndjson`` or ``.ndjson.gz``)."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open

    async def chunks() -> AsyncIterable[bytes]:
        try:
            with opener(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    yield block
        except (OSError, EOFError, zlib.error) as exc:
            # An unreadable, corrupt or truncated file is bad input, not a failed database.
            raise ImportError_(f"cannot read the file: {exc}") from None

    return await import_stream(db, chunks())
