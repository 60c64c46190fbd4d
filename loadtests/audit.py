"""After the load: nothing lost, nobody twice (no locust here; the orchestrator runs it).

Compares the harness's ledger (every answer it received) with what the target says:

- ``lost_checkins`` — check-ins answered 201 whose id the target no longer knows (or knows
  for another voter);
- ``double_acceptances`` — voters the target accepted more than once (its own counters),
  plus voters the harness saw accepted twice under different idempotency keys;
- ``duplicates_accepted`` — duplicate-vote attempts answered 201;
- ``results_mismatch`` — votes in ``GET /v1/results`` that differ from the sum of the
  protocols the target accepted (per candidate, absolute differences), plus stations
  reported that differ from the protocols accepted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

_CHECKIN_KINDS = ("checkin", "sync_checkin")
_DUPLICATE_KINDS = ("duplicate", "sync_duplicate")
_LOOKUP_THREADS = 8


class AuditError(RuntimeError):
    """The target could not be audited (unreachable, admin token refused)."""


def read_ledger(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _get(client: httpx.Client, path: str) -> httpx.Response:
    try:
        response = client.get(path)
    except httpx.HTTPError as error:
        raise AuditError(f"audit request {path} failed: {error}") from None
    if response.status_code in (401, 403):
        raise AuditError(f"the target refused the admin token on {path} "
                         f"({response.status_code}); pass the token the service was started with")
    return response


def audit(ledger_path: Path, base_url: str, admin_token: str) -> dict[str, Any]:
    """Audit figures (see the module docstring) plus what they were computed from."""
    accepted: list[dict[str, Any]] = []
    keys_by_voter: dict[str, set[str]] = {}
    duplicates_accepted = 0
    # A protocol retried after a lost answer comes back 200 (replayed): count each station once.
    protocols: dict[str, dict[str, int]] = {}
    for entry in read_ledger(ledger_path):
        kind, status = entry["kind"], int(entry["status"])
        if kind in _CHECKIN_KINDS and status == 201:
            accepted.append(entry)
            keys_by_voter.setdefault(entry["voter_id"], set()).add(entry["idempotency_key"])
        elif kind in _DUPLICATE_KINDS and status == 201:
            duplicates_accepted += 1
        elif kind == "protocol" and status in (200, 201) and entry.get("protocol"):
            protocols.setdefault(entry["station_id"], entry["protocol"]["votes"])
    protocol_votes: Counter[str] = Counter()
    for votes in protocols.values():
        protocol_votes.update(votes)
    protocols_accepted = len(protocols)
    headers = {"Authorization": f"Bearer {admin_token}"}
    limits = httpx.Limits(max_connections=_LOOKUP_THREADS)
    # A dropped keep-alive connection is retried rather than failing the whole audit.
    transport = httpx.HTTPTransport(retries=3, limits=limits)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30,
                      transport=transport) as client:

        def verdict(entry: dict[str, Any]) -> str:
            response = _get(client, f"/admin/checkins/{entry['checkin_id']}")
            if response.status_code == 404:
                return "lost"
            if response.status_code != 200:
                return "unconfirmed"
            same_voter = response.json().get("voter_id") == entry["voter_id"]
            return "ok" if same_voter else "lost"

        # One lookup per acknowledged check-in, a few at a time: tens of thousands in seconds.
        with ThreadPoolExecutor(_LOOKUP_THREADS) as pool:
            verdicts = Counter(pool.map(verdict, accepted))
        lost, unconfirmed = verdicts["lost"], verdicts["unconfirmed"]
        counters = _get(client, "/admin/counters").json()
        results = _get(client, "/v1/results").json()
    harness_doubles = sum(1 for keys in keys_by_voter.values() if len(keys) > 1)
    server_doubles = int(counters["checkins_accepted"]) - int(counters["distinct_voters_accepted"])
    result_votes = {c["name"]: int(c["votes"]) for c in results.get("candidates", [])}
    names = set(result_votes) | set(protocol_votes)
    mismatch = sum(abs(result_votes.get(n, 0) - protocol_votes.get(n, 0)) for n in names)
    mismatch += abs(int(results.get("stations_reported", 0)) - protocols_accepted)
    return {
        "lost_checkins": lost,
        "ledger_unconfirmed": unconfirmed,
        "double_acceptances": server_doubles + harness_doubles,
        "duplicates_accepted": duplicates_accepted,
        "results_mismatch": mismatch,
        "acknowledged_checkins": len(accepted),
        "server_counters": counters,
        "protocols_accepted_by_harness": protocols_accepted,
        "result_votes": result_votes,
        "protocol_votes": dict(protocol_votes),
    }
