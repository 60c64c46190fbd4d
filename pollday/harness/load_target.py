"""Where a load test goes and what it runs on: the target's host and credentials, Locust's
and the simulation's processes; checked before anything is simulated or sent.

``pollday run`` (:class:`pollday.run.pipeline.RunConfig`) and ``pollday capacity``
(:class:`pollday.capacity.config.CapacityConfig`) both extend :class:`LoadTarget`, so the
seven fields are declared, and checked, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadtests.audit import AuditError, check_auditable
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS
from pollday.harness.failure import RunFailure
from pollday.harness.target import TargetUnavailable, check_reachable, is_loopback

__all__ = ["LoadTarget", "check_target", "preflight"]


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


def preflight(host: str, admin_token: str) -> None:
    """The target answers and speaks the admin contract the audit needs, or exit 3 now."""
    try:
        check_reachable(host)
        check_auditable(host, admin_token)
    except (TargetUnavailable, AuditError) as error:
        raise RunFailure(EXIT_HARNESS, str(error)) from None


def check_target(target: LoadTarget) -> None:
    """Refuse a non-loopback host, or a host without its secret and admin token, before
    anything is simulated or sent (exit 2)."""
    if target.host and not is_loopback(target.host) and not target.allow_remote:
        raise RunFailure(
            EXIT_BAD_INPUT,
            (
                f"--host {target.host} is not a loopback address; load-testing another machine "
                "needs --allow-remote (nobody load-tests production by accident)"
            ),
        )
    # Made-up credentials would make every station request 401 (a wasted run, exit 1) or
    # the audit fail after the whole load test (exit 3): say so before any traffic.
    for given, option, variable, what in (
        (target.secret, "--secret", "POLLDAY_SECRET", "station-token secret"),
        (target.admin_token, "--admin-token", "POLLDAY_ADMIN_TOKEN", "admin token (for the audit)"),
    ):
        if target.host and not given:
            raise RunFailure(
                EXIT_BAD_INPUT,
                (
                    f"--host {target.host} needs the target's {what}: pass {option} or set "
                    f"{variable} to the one the service was started with"
                ),
            )
