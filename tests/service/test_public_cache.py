"""Public reads are cheap: a client cannot force a rendering (no-cache is answered from the
per-process rendering, with its ETag), and webcam stills are rendered by slices (byte for byte
the pixel-by-pixel picture)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from service import cache
from service.app import create_app
from service.routes import public
from service.settings import Settings
from service.snapshots import HEIGHT_PX, WIDTH_PX, snapshot_png
from service.store.schema import prepare_database
from service.store.urls import parse_database_url


def _reference_png(station_id: str, slot: int) -> bytes:
    """The original pixel-by-pixel rendering."""
    seed = hashlib.blake2b(f"{station_id}/{slot}".encode(), digest_size=8).digest()
    phase, stripe, tone = seed[0], 4 + seed[1] % 12, 64 + seed[2] % 128
    rows = bytearray()
    for y in range(HEIGHT_PX):
        rows.append(0)
        for x in range(WIDTH_PX):
            value = tone if ((x + y + phase) // stripe) % 2 else tone // 2
            if (x - (seed[3] % WIDTH_PX)) ** 2 + (y - (seed[4] % HEIGHT_PX)) ** 2 < 300:
                value = 230
            rows.append(value)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", WIDTH_PX, HEIGHT_PX, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


def test_sliced_stills_equal_the_pixel_by_pixel_ones() -> None:
    for station in ("PS00000", "PS00042", "A", "PS12345678"):
        for slot in range(0, 2000, 97):  # blobs at the edges and in the middle
            assert snapshot_png(station, slot) == _reference_png(station, slot), (station, slot)


def test_no_cache_from_a_client_does_not_force_a_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 reads with 'Cache-Control: no-cache' within one rendering's age cost one rendering;
    once the age is out (a frozen clock moved by hand) the next read renders again."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    prepare_database(parse_database_url(url))
    renders: list[int] = []
    real_render = public.render_turnout

    async def counting_render(db: Any) -> bytes:
        renders.append(1)
        return await real_render(db)

    now = [1000.0]
    monkeypatch.setattr(public, "render_turnout", counting_render)
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    app = create_app(Settings(database_url=url, secret="s"))
    with TestClient(app) as client:
        answers = [client.get("/v1/turnout", headers={"Cache-Control": "no-cache"})
                   for _ in range(20)]
        assert {a.status_code for a in answers} == {200}
        assert len({a.headers["ETag"] for a in answers}) == 1
        assert answers[0].headers["Cache-Control"] == "public, max-age=5"
        assert len(renders) == 1
        now[0] += cache.MAX_AGE_S + 0.01
        again = client.get("/v1/turnout", headers={"If-None-Match": answers[0].headers["ETag"]})
        assert len(renders) == 2
        assert again.status_code == 304  # rendered again, same content: same ETag
