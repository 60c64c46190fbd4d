"""Load generators on many machines: the options of a master that waits for Locust workers
started elsewhere, and how many workers a rate needs.

``pollday run`` and ``pollday capacity`` replay with one Locust process, or a master and
``--load-workers`` local workers. With ``--expect-workers N`` the master instead waits for N
workers started on other machines (``pollday worker --master HOST:PORT``, or ``locust -f
loadtests/locustfile.py --worker --master-host HOST --master-port PORT``), sends them the
scenario and schedule, and splits the stations between them as ``--load-workers`` would.

Binding the master beyond loopback needs ``--allow-remote``: Locust's master protocol has no
authentication, and whoever reaches the port can join as a worker and receives the stations'
secret and the schedule with the test's options. Open it only on a network you trust.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
from typing import Any

from pollday.harness.target import is_loopback
from simulation.errors import InputError

__all__ = [
    "DEFAULT_MASTER_BIND", "DEFAULT_WORKERS_WAIT_S", "MAX_WORKERS", "USABLE_CORE_SHARE",
    "GeneratorError", "add_generator_arguments", "generator_fields", "host_port",
    "is_loopback_host", "workers_needed",
]

MAX_WORKERS = 256  # Locust workers one master serves (each a process on some machine)
DEFAULT_MASTER_BIND = "127.0.0.1:5557"  # Locust's port, on loopback unless --allow-remote
DEFAULT_WORKERS_WAIT_S = 120.0
MAX_WORKERS_WAIT_S = 3600.0
# The share of its core a generator process may keep busy on the peak hour's mean rate: a
# second's events come in bursts well above that mean, and they queue behind each other in
# a busier loop (the lag). Measured here (docs/generators.md): 0.20-0.35 ms of CPU per
# check-in, and a lag p99 under 100 ms up to about 1,700 check-ins/s per process, i.e. 34-60 %
# of a core busy; half a core is the rule, the docs give both countings.
USABLE_CORE_SHARE = 0.5
_PORT = re.compile(r"[0-9]{1,5}")
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


class GeneratorError(InputError, ValueError):
    """Generator options that cannot be used together; the message says how to fix them."""


def _count(text: str) -> int:
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    value = int(stripped)
    if not 0 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: use 0 to {MAX_WORKERS} (Locust workers one master "
            "serves; 0: none elsewhere)")
    return value


def _wait_s(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= MAX_WORKERS_WAIT_S:
        raise argparse.ArgumentTypeError(
            f"{value:g} is out of range: use 1 to {MAX_WORKERS_WAIT_S:g} seconds")
    return value


def host_port(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:5557`` for IPv6): a host name or address and a port 1-65535."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 10.0.0.5:5557)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {host!r} is not an IPv6 address") \
                from None
    elif not (_HOSTNAME.fullmatch(host) or host == "*"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: {host!r} is not a host name or address (IPv6: [::1]:5557)")
    if not _PORT.fullmatch(port) or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 1 to 65535")
    return host, int(port)


def _master_bind(text: str) -> str:
    host, port = host_port(text)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    """``--expect-workers``, ``--master-bind`` and ``--workers-wait`` (a command that has
    ``--allow-remote`` already; :func:`generator_fields` reads them)."""
    parser.add_argument(
        "--expect-workers", type=_count, default=0, metavar="N",
        help="wait for N Locust workers started elsewhere ('pollday worker --master "
             "HOST:PORT' on each generator machine) instead of local ones; 0 to "
             f"{MAX_WORKERS} (default 0: none)")
    parser.add_argument(
        "--master-bind", type=_master_bind, default=DEFAULT_MASTER_BIND, metavar="HOST:PORT",
        help=f"where the master listens for --expect-workers (default {DEFAULT_MASTER_BIND}: "
             "this machine only; 0.0.0.0:5557 for other machines, with --allow-remote)")
    parser.add_argument(
        "--workers-wait", type=_wait_s, default=DEFAULT_WORKERS_WAIT_S, metavar="S",
        help="seconds to wait for the --expect-workers workers before giving up, exit 3 "
             f"(default {DEFAULT_WORKERS_WAIT_S:g})")


def generator_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~pollday.harness.locust_process.LocustRun` fields of the parsed options:
    ``remote_workers``, ``master_bind``, ``workers_wait_s``. Raises :class:`GeneratorError`
    (exit 2) for options that cannot go together."""
    expected = int(getattr(args, "expect_workers", 0) or 0)
    bind = str(getattr(args, "master_bind", DEFAULT_MASTER_BIND) or DEFAULT_MASTER_BIND)
    wait_s = float(getattr(args, "workers_wait", DEFAULT_WORKERS_WAIT_S))
    local = int(getattr(args, "load_workers", 0) or 0)
    if expected and local:
        raise GeneratorError(
            f"--expect-workers {expected} and --load-workers {local} cannot go together: the "
            "master waits for workers started elsewhere; start this machine's too with "
            f"'pollday worker --master {bind} --processes {local}' and count them in "
            "--expect-workers")
    host, _ = host_port(bind)
    if expected and not is_loopback_host(host) and not getattr(args, "allow_remote", False):
        raise GeneratorError(
            f"--master-bind {bind} listens beyond this machine and needs --allow-remote: "
            "Locust's master has no authentication, so whoever reaches the port can join as "
            "a worker and receives the stations' secret and the schedule; bind an address of "
            "a network you trust (e.g. 10.0.0.5:5557) and add --allow-remote")
    target = getattr(args, "host", None)
    if expected and not is_loopback_host(host) and (not target or is_loopback(target)):
        raise GeneratorError(
            f"--expect-workers with --master-bind {bind} (workers on other machines) needs a "
            "--host URL they can reach: the embedded service, and any loopback address, is "
            "this machine's alone; start the target where the workers reach it (e.g. "
            "'pollday serve --host 10.0.0.5 --port 8000') and pass --host "
            "http://10.0.0.5:8000 --allow-remote")
    return {"remote_workers": expected, "master_bind": bind, "workers_wait_s": wait_s}


def workers_needed(target_rate_per_s: float, cpu_per_checkin_s: float, *,
                   usable_core_share: float = USABLE_CORE_SHARE) -> int:
    """Locust worker processes (one core each) to offer ``target_rate_per_s`` check-ins/s
    when each costs the generator ``cpu_per_checkin_s`` seconds of CPU, each core busy at most
    ``usable_core_share`` of the time (what keeps the generator's lag low). At least 1.

    ``cpu_per_checkin_s``: a level's own (``run_locust_measured``'s CPU seconds over
    ``generator.fired_events``), or ``benchmarks/bench_generator_cpu.py``'s; a level that was
    generator-bound at R check-ins/s on P processes bounds it from below by
    ``P * usable_core_share / R`` (its cores ran out first).
    """
    for name, value in (("target_rate_per_s", target_rate_per_s),
                        ("cpu_per_checkin_s", cpu_per_checkin_s)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if not 0 < usable_core_share <= 1:
        raise ValueError(f"usable_core_share must be in (0, 1], got {usable_core_share!r}")
    cores = target_rate_per_s * cpu_per_checkin_s / usable_core_share
    return max(1, math.ceil(cores - 1e-9))
