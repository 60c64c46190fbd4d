"""After the load: what the target and the harness's own ledger say was kept.

- :mod:`~loadtests.audit.contract`: the full audit, through the reference service's admin
  contract (:func:`audit`, :func:`check_auditable`);
- :mod:`~loadtests.audit.ledger`: what the ledger alone shows (``--audit answers``);
- :mod:`~loadtests.audit.levels`: which figures each ``--audit`` level measures.
"""

from loadtests.audit.contract import AuditError, audit, audit_output, check_auditable
from loadtests.audit.levels import DEFAULT_AUDIT, AuditLevel

__all__ = ["DEFAULT_AUDIT", "AuditError", "AuditLevel", "audit", "audit_output",
           "check_auditable"]
