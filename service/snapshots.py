"""Small generated webcam stills (PNG), so viewer load can be tested without real cameras.

Each still is a 160x120 greyscale picture whose pattern depends on the station and on the
current 10-second slot, like a camera refreshing its snapshot (a few hundred bytes: the
pattern compresses well). Rendering takes ~0.3 ms, and the route caches stills per
(station, slot). Built with zlib only: no imaging library needed.

HTTP caching (:func:`still_headers`): a still may be cached only until its slot ends. A fixed
``max-age=10`` let a shared cache that fetched a still late in its slot serve it for another
10 s, i.e. about 20 s after the picture was taken; ``max-age`` is now the whole seconds left
in the slot, with ``must-revalidate`` (no serving it stale) and an ETag per slot.
"""

from __future__ import annotations

import hashlib
import math
import struct
import time
import zlib
from email.utils import formatdate

WIDTH_PX = 160
HEIGHT_PX = 120
SLOT_S = 10
BLOB_R2 = 300  # squared radius of the "person" blob, px^2
BLOB_VALUE = b"\xe6"  # 230


def wall_clock_s() -> float:
    """Seconds since the epoch; slots are wall-clock, so every worker agrees on them (tests
    replace this function to cross slot boundaries without waiting)."""
    return time.time()


def slot_at(now_s: float) -> int:
    return math.floor(now_s) // SLOT_S


def still_etag(slot: int) -> str:
    # The picture is a function of (station, slot) and the URL names the station.
    return f'"slot-{slot}"'


def still_headers(slot: int, now_s: float) -> dict[str, str]:
    """Cache headers of the still of ``slot`` sent at ``now_s`` (inside that slot).

    ``max-age`` is rounded down, so no cache keeps the still past the end of its slot.
    """
    seconds_left = (slot + 1) * SLOT_S - now_s
    max_age = max(0, math.floor(seconds_left))
    return {
        "Cache-Control": f"public, max-age={max_age}, must-revalidate",
        "ETag": still_etag(slot),
        "Last-Modified": formatdate(slot * SLOT_S, usegmt=True),
    }


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def snapshot_png(station_id: str, slot: int) -> bytes:
    """The still of ``station_id`` for time slot ``slot`` (seconds // SLOT_S).

    Rows are slices of one precomputed stripe sequence plus the blob's span, so a still costs
    well under a millisecond (it was ~12 ms pixel by pixel, for anyone asking every station).
    """
    seed = hashlib.blake2b(f"{station_id}/{slot}".encode(), digest_size=8).digest()
    phase, stripe, tone = seed[0], 4 + seed[1] % 12, 64 + seed[2] % 128
    blob_x, blob_y = seed[3] % WIDTH_PX, seed[4] % HEIGHT_PX
    # Pixel (x, y) of the stripes is stripes[x + y + phase].
    stripes = bytes(tone if (k // stripe) % 2 else tone // 2
                    for k in range(WIDTH_PX + HEIGHT_PX + 256))
    rows = bytearray()
    for y in range(HEIGHT_PX):
        start = y + phase
        row = bytearray(stripes[start:start + WIDTH_PX])
        room = BLOB_R2 - 1 - (y - blob_y) ** 2  # the blob: (x - bx)^2 + (y - by)^2 < BLOB_R2
        if room >= 0:
            half = math.isqrt(room)
            left, right = max(0, blob_x - half), min(WIDTH_PX - 1, blob_x + half)
            if left <= right:
                row[left:right + 1] = BLOB_VALUE * (right + 1 - left)
        rows.append(0)  # PNG filter type "none" for this row
        rows += row
    header = struct.pack(">IIBBBBB", WIDTH_PX, HEIGHT_PX, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + _chunk(b"IEND", b"")
    )
