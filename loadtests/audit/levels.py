"""Audit levels (``--audit``): how much of the audit a target's contract allows.

- ``full`` (the default): the ledger and the target's admin contract (``GET /admin/counters``,
  ``GET /admin/checkins/{id}``, ``GET /v1/results``, :mod:`loadtests.audit`). Every audit
  figure is measured.
- ``answers``: the harness's own ledger only (:mod:`loadtests.audit.ledger`), what the target
  answered: statuses, duplicate attempts accepted, voters acknowledged twice, idempotency
  keys answered differently. No admin token. The figures that need the target's own records
  (:data:`NEEDS_ADMIN`) are not measured.
- ``none``: no audit; every audit figure is not measured.

A figure a level does not measure is null in the output files and its thresholds are
``not-measured`` (:class:`loadtests.thresholds.Unmeasured`): never a pass, never a failure,
except where the ledger's lower bound already settles the rule (a voter the harness saw
accepted twice fails ``audit.double_acceptances == 0`` under any level).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from loadtests.figures import of_group
from loadtests.thresholds import Unmeasured

AuditLevel = Literal["full", "answers", "none"]
AUDIT_LEVELS: tuple[AuditLevel, ...] = ("full", "answers", "none")
DEFAULT_AUDIT: AuditLevel = "full"
LEVEL_MEANINGS: dict[AuditLevel, str] = {
    "full": "the ledger and the target's admin contract (needs --admin-token with --host)",
    "answers": "the harness's ledger of what the target answered; no admin contract",
    "none": "no audit",
}
AUDIT_STATS = tuple(f.stat for f in of_group("audit"))
# Audit figures that need the target's own records: the admin contract.
NEEDS_ADMIN = ("lost_checkins", "ledger_unconfirmed", "double_acceptances", "results_mismatch")
# The part of double_acceptances the ledger shows: a lower bound of it at any level.
_LOWER_BOUNDS = {"double_acceptances": "double_acceptances_seen_by_harness"}


def unmeasured_stats(level: AuditLevel) -> tuple[str, ...]:
    """The audit figures (stats) ``level`` does not measure."""
    if level == "full":
        return ()
    return NEEDS_ADMIN if level == "answers" else AUDIT_STATS


def unmeasured_reason(level: AuditLevel) -> str:
    if level == "none":
        return "not measured (--audit none): no audit ran; --audit full measures it"
    return ("not measured (--audit answers): it needs the target's admin contract; "
            "--audit full measures it")


def level_of(audit: Mapping[str, Any]) -> AuditLevel:
    """The level of an audit as ``summary.json`` holds it (older summaries: full)."""
    level = audit.get("level", DEFAULT_AUDIT)
    return cast(AuditLevel, level) if level in AUDIT_LEVELS else DEFAULT_AUDIT


def audit_unmeasured(audit: Mapping[str, Any]) -> dict[str, Unmeasured]:
    """The audit figures (by catalogue name) this audit did not measure, for the thresholds
    (:func:`loadtests.thresholds.judge_all`), with the ledger's lower bound where it has one."""
    level = level_of(audit)
    out: dict[str, Unmeasured] = {}
    for stat in unmeasured_stats(level):
        bound = audit.get(_LOWER_BOUNDS.get(stat, ""))
        at_least = float(bound) if isinstance(bound, int | float) and bound > 0 else None
        out[f"audit.{stat}"] = Unmeasured(unmeasured_reason(level), at_least)
    return out


def not_measured_audit(level: AuditLevel) -> dict[str, Any]:
    """The ``audit`` of ``summary.json`` when no audit ran (``--audit none``)."""
    return {"level": level, **{stat: None for stat in AUDIT_STATS},
            "not_measured": list(unmeasured_stats(level))}
