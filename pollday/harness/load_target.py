"""Where a load test goes and what it runs on: the target's host and credentials, Locust's
and the simulation's processes; checked before anything is simulated or sent.

``pollday run`` (:class:`pollday.run.pipeline.RunConfig`) and ``pollday capacity``
(:class:`pollday.capacity.config.CapacityConfig`) both extend :class:`LoadTarget`, so its
fields are declared, and checked, once.

``audit`` (``--audit``, :mod:`loadtests.audit.levels`) decides what a ``--host`` needs: with
``full`` the admin contract and its token, checked before any traffic; with ``answers`` or
``none`` only that the target answers. ``adapter`` (``--adapter``) overrides the scenario's
``loadtest.adapter``.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadtests.adapter import AdapterError
from loadtests.adapter_spec import check_adapter_spec, needs_station_secret
from loadtests.audit import AuditError, check_auditable
from loadtests.audit.levels import DEFAULT_AUDIT, AuditLevel
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS
from pollday.harness.failure import RunFailure
from pollday.harness.generators import DEFAULT_MASTER_BIND, DEFAULT_WORKERS_WAIT_S
from pollday.harness.target import TargetUnavailable, check_reachable, is_loopback
from simulation import Scenario

__all__ = ["LoadTarget", "check_adapter", "check_target", "preflight"]


# kw_only: the fields come after each command's own required ones (scenario_path, out), and
# callers name them, so the configs' constructor keywords are unchanged.
@dataclass(kw_only=True)
class LoadTarget:
    host: str | None = None  # None: a reference service started for the run
    allow_remote: bool = False
    load_workers: int = 0  # Locust workers (--load-workers); 0: one process
    sim_workers: int = 2
    cluster: str | None = None  # the simulation on a Dask cluster (--cluster)
    secret: str = ""
    admin_token: str = ""
    audit: AuditLevel = DEFAULT_AUDIT  # --audit: full, answers or none
    adapter: str | None = None  # --adapter: over the scenario's loadtest.adapter
    # --expect-workers, --master-bind, --workers-wait (pollday.harness.generators): Locust
    # workers started elsewhere instead of load_workers local ones
    remote_workers: int = 0
    master_bind: str = DEFAULT_MASTER_BIND
    workers_wait_s: float = DEFAULT_WORKERS_WAIT_S

    def generator_processes(self) -> int:
        """Locust processes that send the load (the master alone sends none when it has
        workers)."""
        return max(1, self.load_workers or self.remote_workers)


def preflight(host: str, admin_token: str, audit: AuditLevel = DEFAULT_AUDIT) -> None:
    """The target answers (and, with ``--audit full``, speaks the admin contract the audit
    needs), or exit 3 now."""
    try:
        check_reachable(host)
        if audit == "full":
            check_auditable(host, admin_token)
    except (TargetUnavailable, AuditError) as error:
        raise RunFailure(EXIT_HARNESS, str(error)) from None


def check_adapter(target: LoadTarget, scenario_adapter: str, scenario_path: str,
                  scenario: Scenario | None = None) -> str:
    """The adapter spec the load test uses (``--adapter``, else the scenario's), checked (a
    mapping file's voter ids against ``scenario``'s stations, when given): a bad one is bad
    input (exit 2), named by where it was given."""
    spec = target.adapter or scenario_adapter
    where = "--adapter" if target.adapter else f"{scenario_path}: loadtest.adapter"
    try:
        check_adapter_spec(spec, scenario)
        signs = needs_station_secret(spec)
    except AdapterError as error:
        raise RunFailure(EXIT_BAD_INPUT, f"{where}: {error}") from None
    if target.host and not target.secret and signs:
        raise RunFailure(EXIT_BAD_INPUT, _missing("--secret", target.host))
    return spec


def _missing(option: str, host: str) -> str:
    """What a --host run lacks, and how to give it."""
    if option == "--secret":
        return (f"--host {host} needs the target's station-token secret: pass --secret or "
                "set POLLDAY_SECRET to the one the service was started with (a mapping file "
                "whose templates never name {station_token} needs none)")
    return (f"--host {host} needs the target's admin token (for the audit): pass "
            "--admin-token or set POLLDAY_ADMIN_TOKEN to the one the service was started "
            "with, or audit without the admin contract: --audit answers (what the target "
            "answered) or --audit none")


def check_target(target: LoadTarget) -> None:
    """Refuse a non-loopback host without ``--allow-remote``, or, with ``--audit full``, a
    host without its admin token, before anything is simulated or sent (exit 2)."""
    if target.host and not is_loopback(target.host) and not target.allow_remote:
        raise RunFailure(
            EXIT_BAD_INPUT,
            (
                f"--host {target.host} is not a loopback address; load-testing another machine "
                "needs --allow-remote (nobody load-tests production by accident)"
            ),
        )
    # A made-up admin token would make the audit fail after the whole load test (exit 3):
    # say so before any traffic. The station secret is checked with the adapter
    # (check_adapter), which knows whether it signs anything.
    if target.host and target.audit == "full" and not target.admin_token:
        raise RunFailure(EXIT_BAD_INPUT, _missing("--admin-token", target.host))
