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

The target is asked through the reference service's admin contract (``GET /admin/counters``,
``GET /admin/checkins/{id}`` with the admin token) and ``GET /v1/results``. A target that does
not speak it (404, an answer that is not the expected JSON) cannot be audited at this level:
:class:`AuditError` says so, before any check-in could be miscounted as lost. Such a target
is audited with ``--audit answers`` (the ledger alone, :mod:`loadtests.audit.ledger`) or not
at all (``--audit none``); :mod:`loadtests.audit.levels` says what each level measures.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from loadtests.audit.ledger import answers_audit, tally_ledger
from loadtests.audit.levels import DEFAULT_AUDIT, AuditLevel, not_measured_audit
from loadtests.results import AuditOutput
from simulation.errors import HarnessError

_LOOKUP_THREADS = 8


_CONTRACT = ("the audit needs the reference service's admin contract (GET /admin/counters, "
             "GET /admin/checkins/{id}, GET /v1/results; see docs/loadtests.md); a target "
             "without it: --audit answers (what it answered) or --audit none (docs/run.md)")


class AuditError(HarnessError, RuntimeError):
    """The target could not be audited (unreachable, admin token refused, another contract)."""


_GET_ATTEMPTS = 4


def _get(client: httpx.Client, path: str) -> httpx.Response:
    # Every audit request is an idempotent GET: a transport error (a keep-alive connection
    # the server closed while another lookup thread reused it shows up as EBADF or a reset)
    # is retried on a fresh connection before the audit gives up.
    for attempt in range(_GET_ATTEMPTS):
        try:
            response = client.get(path)
            break
        except httpx.TransportError as error:
            if attempt == _GET_ATTEMPTS - 1:
                raise AuditError(f"audit request {path} failed after {_GET_ATTEMPTS} "
                                 f"attempts: {error}") from None
            time.sleep(0.05 * 2 ** attempt)
        except httpx.HTTPError as error:
            raise AuditError(f"audit request {path} failed: {error}") from None
    if response.status_code in (401, 403):
        raise AuditError(f"the target refused the admin token on {path} "
                         f"({response.status_code}); pass the token the service was started with")
    return response


def _json_object(response: httpx.Response, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The answer's JSON object, which must hold ``keys``; else :class:`AuditError` naming
    what came back."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and all(k in body for k in keys):
        return body
    if response.status_code != 200:
        got = f"answered {response.status_code}"
    elif not isinstance(body, dict):
        got = "answered 200 with a body that is not a JSON object"
    else:
        got = f"answered without {[k for k in keys if k not in body]}"
    raise AuditError(f"the target cannot be audited: {path} {got}; {_CONTRACT}")


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AuditError(f"the target cannot be audited: {what} is {value!r}, not a number; "
                         f"{_CONTRACT}") from None


def _result_votes(results: dict[str, Any]) -> dict[str, int]:
    candidates = results["candidates"]
    if not isinstance(candidates, list) or not all(
            isinstance(c, dict) and "name" in c and "votes" in c for c in candidates):
        raise AuditError("the target cannot be audited: GET /v1/results 'candidates' is not a "
                         f"list of {{name, votes}}; {_CONTRACT}")
    return {str(c["name"]): _int(c["votes"], "a candidate's votes") for c in candidates}


def _counters(client: httpx.Client) -> dict[str, Any]:
    return _json_object(_get(client, "/admin/counters"), "GET /admin/counters",
                        ("checkins_accepted", "distinct_voters_accepted"))


def check_auditable(base_url: str, admin_token: str) -> None:
    """Raise :class:`AuditError` unless the target answers the admin contract with this
    token: checked before a load test, so a run that could not be audited is not started."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        _counters(client)


def audit(ledger_path: Path, base_url: str, admin_token: str,
          level: AuditLevel = DEFAULT_AUDIT) -> dict[str, Any]:
    """The audit at ``level`` as ``summary.json`` holds it (without ``format``): figures the
    level does not measure are None."""
    if level == "none":
        return not_measured_audit(level)
    if level == "answers":
        output = answers_audit(ledger_path)
    else:
        output = audit_output(ledger_path, base_url, admin_token)
    return output.model_dump(exclude_unset=True, exclude={"format"})


def _checkin_verdict(client: httpx.Client, entry: dict[str, Any]) -> str:
    """Whether the target still knows one acknowledged check-in: ok, lost or unconfirmed."""
    response = _get(client, f"/admin/checkins/{entry['checkin_id']}")
    if response.status_code == 404:
        return "lost"
    try:
        found = response.json() if response.status_code == 200 else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return "unconfirmed"
    return "ok" if found.get("voter_id") == entry["voter_id"] else "lost"


def audit_output(ledger_path: Path, base_url: str, admin_token: str) -> AuditOutput:
    """The ``full`` audit (see the module docstring) plus what it was computed from."""
    tally = tally_ledger(ledger_path)
    accepted = tally.accepted
    protocol_votes = tally.protocol_votes
    headers = {"Authorization": f"Bearer {admin_token}"}
    limits = httpx.Limits(max_connections=_LOOKUP_THREADS)
    # A dropped keep-alive connection is retried rather than failing the whole audit.
    transport = httpx.HTTPTransport(retries=3, limits=limits)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30,
                      transport=transport) as client:
        # Counters first: a target without the admin contract would otherwise answer every
        # check-in lookup 404, and every acknowledged check-in would count as lost.
        counters = _counters(client)
        # One lookup per acknowledged check-in, a few at a time: tens of thousands in seconds.
        with ThreadPoolExecutor(_LOOKUP_THREADS) as pool:
            verdicts = Counter(pool.map(lambda entry: _checkin_verdict(client, entry), accepted))
        lost, unconfirmed = verdicts["lost"], verdicts["unconfirmed"]
        results = _json_object(_get(client, "/v1/results"), "GET /v1/results",
                               ("candidates", "stations_reported"))
    server_doubles = (_int(counters["checkins_accepted"], "checkins_accepted")
                      - _int(counters["distinct_voters_accepted"], "distinct_voters_accepted"))
    result_votes = _result_votes(results)
    names = set(result_votes) | set(protocol_votes)
    mismatch = sum(abs(result_votes.get(n, 0) - protocol_votes.get(n, 0)) for n in names)
    mismatch += abs(_int(results["stations_reported"], "stations_reported")
                    - len(tally.protocols))
    return AuditOutput(
        level="full",
        **tally.figures(),
        lost_checkins=lost,
        ledger_unconfirmed=unconfirmed,
        double_acceptances=server_doubles + tally.harness_doubles,
        results_mismatch=mismatch,
        server_counters=counters,
        result_votes=result_votes,
        not_measured=[],
    )
