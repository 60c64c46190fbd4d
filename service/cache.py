"""A tiny per-process cache of rendered public bodies with their ETag.

Public reads (results, turnout) are rendered at most once per ``MAX_AGE_S`` per process, or
again as soon as the results version in the database moves; every reader in between gets the
same bytes and ETag. The ETag is a hash of the bytes, so a re-render with unchanged content
keeps its ETag and clients keep getting 304.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

MAX_AGE_S = 1.0


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    version: int
    rendered_at: float


def make_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class RenderCache:
    def __init__(self, max_age_s: float = MAX_AGE_S) -> None:
        self.max_age_s = max_age_s
        self.entries: dict[Hashable, Rendered] = {}

    async def get(
        self,
        key: Hashable,
        version: int,
        render: Callable[[], Awaitable[bytes]],
        fresh: bool = False,
    ) -> Rendered:
        """The cached rendering of ``key``, re-rendered if stale, outdated or ``fresh``."""
        now = time.monotonic()
        entry = self.entries.get(key)
        if (
            entry is not None
            and not fresh
            and entry.version == version
            and now - entry.rendered_at < self.max_age_s
        ):
            return entry
        body = await render()
        entry = Rendered(body, make_etag(body), version, now)
        self.entries[key] = entry
        return entry


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match header against our ETag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(c.strip().removeprefix("W/") == bare for c in if_none_match.split(","))
