"""``pollday worker --master HOST:PORT``: Locust worker processes for a master elsewhere.

A generator machine needs only the pollday package: the master (``pollday run`` or ``pollday
capacity`` with ``--expect-workers``, or ``locust -f loadtests/locustfile.py --master``) sends
the scenario, the schedule, the target and the options when a test starts
(:mod:`loadtests.distributed`). This command runs ``python -m locust -f
loadtests/locustfile.py --worker`` as a subprocess (importing locust would patch this
process), with Locust's own output; when the master's test ends the workers wait for the
next master at the same address (a capacity search starts one per level), until Ctrl-C, or
once with ``--once``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from pollday.console import fail
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_INTERRUPTED, EXIT_OK
from pollday.harness.generators import host_port
from pollday.harness.locust_process import locustfile
from pollday.options.counts import processes
from pollday.options.output import QUIET_HELP
from simulation.execution.orphans import die_with_parent_hook

__all__ = ["add_worker_arguments", "run_worker", "worker_command"]

RESTART_PAUSE_S = 1.0  # between a finished test and waiting for the next master
QUICK_FAILURE_S = 10.0  # a worker that fails this fast never reached a master's test...
QUICK_FAILURES = 3  # ...and this many times in a row is broken here, not waiting


def _master(text: str) -> tuple[str, int]:
    return host_port(text)


def add_worker_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--master", type=_master, required=True, metavar="HOST:PORT",
                   help="the master to join: the address of the machine running 'pollday run "
                        "--expect-workers N' (its --master-bind port, 5557 by default)")
    p.add_argument("--processes", type=processes(), default=1, metavar="N",
                   help="Locust worker processes on this machine, one per core is the rule "
                        "(1 to 4 per usable CPU; default 1); each counts in the master's "
                        "--expect-workers")
    p.add_argument("--once", action="store_true",
                   help="exit after one test instead of waiting for the next master")
    # pollday's own status lines; Locust's log (warnings and errors) is Locust's.
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)


def worker_command(master: tuple[str, int], worker_processes: int) -> list[str]:
    """The Locust command line of this machine's workers."""
    host, port = master
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile()), "--worker",
           "--master-host", host, "--master-port", str(port)]
    if worker_processes > 1:
        cmd += ["--processes", str(worker_processes)]
    return cmd


def _run_once(cmd: list[str]) -> int:
    # Unbuffered: Locust's log reaches a pipe or a service's journal line by line.
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=die_with_parent_hook())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_worker(args: argparse.Namespace) -> int:
    """Serve tests of the master at ``args.master`` until Ctrl-C (or one, with ``--once``)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    host, port = args.master
    cmd = worker_command(args.master, args.processes)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if not args.quiet:
        sys.stderr.write(f"pollday worker: {args.processes} Locust worker process(es) joining "
                         f"the master at {where}\n")
    quick_failures = 0
    try:
        while True:
            started = time.monotonic()
            code = _run_once(cmd)
            if code == EXIT_BAD_INPUT:
                return fail("pollday worker: Locust refused the options (see above); fix them "
                            "on the master", EXIT_BAD_INPUT)
            if args.once:
                # 1: requests failed during the test, which the master judges.
                return EXIT_OK if code in (0, 1) else fail(
                    f"pollday worker: the Locust worker failed (exit code {code}); see its "
                    "log above", EXIT_HARNESS)
            quick = code not in (0, 1) and time.monotonic() - started < QUICK_FAILURE_S
            quick_failures = quick_failures + 1 if quick else 0
            if quick_failures >= QUICK_FAILURES:
                return fail(f"pollday worker: the Locust worker failed {QUICK_FAILURES} times in "
                            f"a row within {QUICK_FAILURE_S:g} s (last exit code {code}); see "
                            "its log above (is locust installed with pollday here?)",
                            EXIT_HARNESS)
            if not args.quiet:
                sys.stderr.write(f"pollday worker: test over after "
                                 f"{time.monotonic() - started:.0f} s (exit code {code}); "
                                 f"waiting for the next master at {where} (Ctrl-C to stop)\n")
                sys.stderr.flush()
            time.sleep(RESTART_PAUSE_S)
    except KeyboardInterrupt:
        return fail("pollday worker: interrupted", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)

