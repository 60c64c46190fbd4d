"""Small generated webcam stills (PNG), so viewer load can be tested without real cameras.

Each still is a 160x120 greyscale picture whose pattern depends on the station and on the
current 10-second slot, like a camera refreshing its snapshot (a few hundred bytes: the
pattern compresses well). Rendering takes ~7 ms in pure Python, so the route caches stills
per (station, slot). Built with zlib only: no imaging library needed.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

WIDTH_PX = 160
HEIGHT_PX = 120
SLOT_S = 10


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def snapshot_png(station_id: str, slot: int) -> bytes:
    """The still of ``station_id`` for time slot ``slot`` (seconds // SLOT_S)."""
    seed = hashlib.blake2b(f"{station_id}/{slot}".encode(), digest_size=8).digest()
    phase, stripe, tone = seed[0], 4 + seed[1] % 12, 64 + seed[2] % 128
    rows = bytearray()
    for y in range(HEIGHT_PX):
        rows.append(0)  # PNG filter type "none" for this row
        for x in range(WIDTH_PX):
            # Diagonal stripes plus a "person" blob whose position moves with the slot.
            value = tone if ((x + y + phase) // stripe) % 2 else tone // 2
            if (x - (seed[3] % WIDTH_PX)) ** 2 + (y - (seed[4] % HEIGHT_PX)) ** 2 < 300:
                value = 230
            rows.append(value)
    header = struct.pack(">IIBBBBB", WIDTH_PX, HEIGHT_PX, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + _chunk(b"IEND", b"")
    )
