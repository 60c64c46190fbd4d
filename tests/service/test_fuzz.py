"""A few thousand fuzzed requests per backend: zero 5xx, and every request answered."""

from __future__ import annotations

import asyncio

import numpy as np

from tests.service.fuzz_support import Fuzzer, fuzz
from tests.service.service_support import ADMIN_TOKEN, SECRET, Register, Server

REQUESTS = 3000
SEED = 20261201


def test_fuzzed_requests_never_get_a_5xx(server: Server, register: Register, backend: str) -> None:
    fuzzer = Fuzzer(
        rng=np.random.default_rng([SEED, 0 if backend == "sqlite" else 1]),
        secret=SECRET, admin_token=ADMIN_TOKEN,
        stations=[register.station_id(s) for s in range(register.stations)],
        voters=[register.voter_id(s, i) for s in range(5) for i in range(5)],
    )
    tally = asyncio.run(fuzz(server.url, fuzzer, REQUESTS))
    assert sum(tally.statuses.values()) == REQUESTS
    assert tally.server_errors == [], tally.server_errors[:5]
    # The fuzzer reached past validation too: some requests were accepted or refused on
    # their merits, not only as malformed.
    assert tally.statuses[401] > 0 and tally.statuses[422] > 0
    assert sum(n for s, n in tally.statuses.items() if s in (200, 201, 304, 403, 404, 409)) > 0
    with server.client() as client:
        assert client.get("/healthz").status_code == 200  # still healthy afterwards
