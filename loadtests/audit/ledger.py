"""What the harness's own ledger (``ledger.ndjson``: every answer it received) shows, without
asking the target anything: the ``--audit answers`` level, and the ledger's half of
``--audit full`` (:mod:`loadtests.audit`).

From the ledger alone:

- ``duplicates_accepted`` — duplicate-vote attempts answered 201 (``duplicates_refused``: the
  ones answered 409, already voted);
- ``double_acceptances_seen_by_harness`` — voters answered 201 under two or more idempotency
  keys (a lower bound of ``double_acceptances``: the target may have accepted more that the
  harness never saw);
- ``idempotency_conflicts`` — idempotency keys the ledger holds with different answers
  (status or check-in id): one key, one answer, whoever sent it;
- ``checkin_ids_shared`` — check-in ids the target gave to two or more voters;
- ``statuses`` — answers by kind and HTTP status;
- ``acknowledged_checkins``, ``protocols_accepted_by_harness``, ``protocol_votes``.

What needs the target's own records (lost check-ins, its counters, its published results) is
not measured here (:data:`loadtests.audit.levels.NEEDS_ADMIN`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.audit.levels import unmeasured_stats
from loadtests.ledger import read_ledger
from loadtests.results import AuditOutput

CHECKIN_KINDS = ("checkin", "sync_checkin")
DUPLICATE_KINDS = ("duplicate", "sync_duplicate")
ACCEPTED, ALREADY_VOTED = 201, 409


@dataclass
class LedgerTally:
    """What the harness's ledger says it was told."""

    accepted: list[dict[str, Any]] = field(default_factory=list)
    keys_by_voter: dict[str, set[str]] = field(default_factory=dict)
    answers_by_key: dict[str, set[tuple[int, str | None]]] = field(default_factory=dict)
    voters_by_checkin_id: dict[str, set[str]] = field(default_factory=dict)
    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    duplicates_accepted: int = 0
    duplicates_refused: int = 0
    # A protocol retried after a lost answer comes back 200 (replayed): count each station once.
    protocols: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, entry: dict[str, Any]) -> None:
        kind, status = str(entry["kind"]), int(entry["status"])
        self.statuses.setdefault(kind, Counter())[str(status)] += 1
        key = entry.get("idempotency_key")
        if key:
            self.answers_by_key.setdefault(str(key), set()).add(
                (status, entry.get("checkin_id")))
        if kind in CHECKIN_KINDS and status == ACCEPTED:
            self.accepted.append(entry)
            voter = str(entry["voter_id"])
            self.keys_by_voter.setdefault(voter, set()).add(str(key))
            if entry.get("checkin_id"):
                self.voters_by_checkin_id.setdefault(str(entry["checkin_id"]), set()).add(voter)
        elif kind in DUPLICATE_KINDS and status == ACCEPTED:
            self.duplicates_accepted += 1
        elif kind in DUPLICATE_KINDS and status == ALREADY_VOTED:
            self.duplicates_refused += 1
        elif kind == "protocol" and status in (200, 201) and entry.get("protocol"):
            self.protocols.setdefault(str(entry["station_id"]), entry["protocol"]["votes"])

    @property
    def harness_doubles(self) -> int:
        return sum(1 for keys in self.keys_by_voter.values() if len(keys) > 1)

    @property
    def protocol_votes(self) -> dict[str, int]:
        votes: Counter[str] = Counter()
        for counts in self.protocols.values():
            votes.update(counts)
        return dict(votes)

    def figures(self) -> dict[str, Any]:
        """The ledger's figures (the :class:`AuditOutput` fields it fills at every level)."""
        return {
            "duplicates_accepted": self.duplicates_accepted,
            "duplicates_refused": self.duplicates_refused,
            "double_acceptances_seen_by_harness": self.harness_doubles,
            "idempotency_conflicts": sum(
                1 for answers in self.answers_by_key.values() if len(answers) > 1),
            "checkin_ids_shared": sum(
                1 for voters in self.voters_by_checkin_id.values() if len(voters) > 1),
            "acknowledged_checkins": len(self.accepted),
            "protocols_accepted_by_harness": len(self.protocols),
            "protocol_votes": self.protocol_votes,
            "statuses": {kind: dict(sorted(counts.items()))
                         for kind, counts in sorted(self.statuses.items())},
        }


def tally_ledger(ledger_path: Path) -> LedgerTally:
    tally = LedgerTally()
    for entry in read_ledger(ledger_path):
        tally.add(entry)
    return tally


def answers_audit(ledger_path: Path) -> AuditOutput:
    """The ``--audit answers`` level: the ledger's figures; the admin contract's are None."""
    unmeasured = unmeasured_stats("answers")
    return AuditOutput(level="answers", **tally_ledger(ledger_path).figures(),
                       **{stat: None for stat in unmeasured}, not_measured=list(unmeasured))
