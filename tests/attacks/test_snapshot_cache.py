"""Webcam stills are cacheable only until their 10-second slot ends (issue 27, part 4).

Finding kept: stills were sent ``max-age=10`` on 10-second slots without an ETag, so a shared
cache that fetched one late in its slot served it for another 10 s: a still ~20 s old.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import snapshots
from service.app import create_app
from service.settings import Settings
from service.snapshots import SLOT_S, slot_at, still_headers
from service.store.schema import prepare_database
from service.store.urls import parse_database_url
from tests.service.service_support import Register, Server

ADMIN = "snapshot-admin"
SLOT = 178_000_000  # a slot in 2026: its start is SLOT * SLOT_S seconds after the epoch


def _max_age(headers: Mapping[str, str]) -> int:
    cache_control = headers["Cache-Control"]
    directives = dict(d.strip().partition("=")[::2] for d in cache_control.split(","))
    assert "must-revalidate" in directives  # a stale still is never served without asking
    return int(directives["max-age"])


def test_max_age_never_outlasts_the_slot_at_any_moment() -> None:
    for step in range(0, 3 * SLOT_S * 100):  # every 10 ms over three slots
        now_s = SLOT * SLOT_S + step / 100
        slot = slot_at(now_s)
        headers = still_headers(slot, now_s)
        left = (slot + 1) * SLOT_S - now_s
        assert 0 <= _max_age(headers) <= left, (now_s, headers)
        assert _max_age(headers) > left - 1  # and no shorter than needed: rounded down only
        assert headers["ETag"] == f'"slot-{slot}"'
        modified = parsedate_to_datetime(headers["Last-Modified"]).timestamp()
        assert modified == slot * SLOT_S


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    prepare_database(parse_database_url(url))
    app = create_app(Settings(database_url=url, secret="s", admin_token=ADMIN))
    with TestClient(app) as test_client:
        payload = "".join(json.dumps(line) + "\n"
                          for line in Register(stations=2, voters_per_station=1).lines())
        imported = test_client.post("/admin/import", content=payload.encode(),
                                    headers={"Authorization": f"Bearer {ADMIN}"})
        assert imported.status_code == 200, imported.text
        yield test_client


def test_etag_changes_with_the_slot_and_304_within_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [SLOT * SLOT_S + 2.5]
    monkeypatch.setattr(snapshots, "wall_clock_s", lambda: now[0])
    url = "/v1/streams/PS00000/snapshot"  # station 0 of the register has a webcam
    first = client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    etag = first.headers["ETag"]
    assert _max_age(first.headers) == 7  # 7.5 s left in the slot, rounded down
    for moment, max_age in ((SLOT * SLOT_S + 6.0, 4), (SLOT * SLOT_S + 9.99, 0)):
        now[0] = moment
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag and _max_age(again.headers) == max_age
    now[0] = (SLOT + 1) * SLOT_S  # the next slot: a new picture, a new tag
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert fresh.content != first.content
    assert _max_age(fresh.headers) == SLOT_S
    assert client.get(url, headers={"If-None-Match": f'"x", {fresh.headers["ETag"]}'}
                      ).status_code == 304


def test_a_running_service_never_grants_more_than_the_slot_left(tmp_path: Path) -> None:
    """On the real clock: whatever moment the request was answered, its max-age ends no later
    than the end of the slot named by Last-Modified (checked against the time before asking,
    so a slow machine only makes the check stricter, never flaky)."""
    register = Register(stations=2, voters_per_station=1).write(tmp_path / "register.ndjson")
    srv = Server(f"sqlite:///{tmp_path / 'db.sqlite'}", register=register)
    try:
        with srv.client() as http:
            for _ in range(5):
                asked_at = time.time()
                answer = http.get("/v1/streams/PS00000/snapshot")
                answered_by = time.time()
                assert answer.status_code == 200
                slot_start = parsedate_to_datetime(answer.headers["Last-Modified"]).timestamp()
                # The service's clock read t lies in [asked_at, answered_by], in that slot.
                assert slot_start <= answered_by and asked_at < slot_start + SLOT_S
                assert _max_age(answer.headers) <= slot_start + SLOT_S - asked_at
                assert answer.headers["ETag"] == f'"slot-{int(slot_start) // SLOT_S}"'
    finally:
        srv.stop()
