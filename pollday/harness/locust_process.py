"""Run Locust headless as a subprocess (never in this process: importing locust patches it).

Progress comes from Locust's own ``--csv`` stats file, refreshed every second: elapsed time
against the expected replay time (total and time remaining), with the live request rate and
error count; a bar on a terminal, a timestamped line every 10 s in a log.
"""

from __future__ import annotations

import csv
import math
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn

import loadtests
from pollday.console import err_console
from pollday.harness.credentials import SECRET_ENV
from pollday.progress import Heartbeat, plain_progress_wanted
from simulation.execution.orphans import die_with_parent_hook


def locustfile() -> Path:
    """``loadtests/locustfile.py`` wherever the package is installed (not imported here)."""
    return Path(loadtests.__file__).resolve().parent / "locustfile.py"


@dataclass(frozen=True)
class LocustRun:
    host: str
    replay_dir: Path  # holds schedule.npy and scenario.toml
    out_dir: Path  # loadtest.json, ledger.ndjson, locust CSV and HTML go here
    secret: str
    compress: float
    station_share: float
    results_rps: float
    webcam_rps: float
    adapter: str
    workers: int  # 0: one process; N: a master and N workers
    expected_s: float
    timeout_s: float
    extra_args: tuple[str, ...] = ()  # further locustfile options (e.g. --window-start)
    # Workers started elsewhere (pollday worker --master HOST:PORT): the master waits for
    # this many, listening on master_bind, at most workers_wait_s (pollday.harness.generators).
    remote_workers: int = 0
    master_bind: str = "127.0.0.1:5557"
    workers_wait_s: float = 120.0

    def __post_init__(self) -> None:
        if self.remote_workers and self.workers:
            raise ValueError("LocustRun: workers (local) and remote_workers cannot both be set; "
                             "start local workers with 'pollday worker' too")

    @property
    def master_address(self) -> tuple[str, int]:
        """(host, port) the master binds for remote workers (brackets dropped from IPv6)."""
        host, _, port = self.master_bind.rpartition(":")
        return host.strip("[]"), int(port)

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile()),
            "--headless",
            "--host",
            self.host,
            "--schedule",
            str(self.replay_dir),
            "--compress",
            f"{self.compress:g}",
            "--station-share",
            f"{self.station_share:g}",
            "--pollday-out",
            str(self.out_dir),
            "--results-rps",
            f"{self.results_rps:g}",
            "--webcam-rps",
            f"{self.webcam_rps:g}",
            "--csv",
            str(self.out_dir / "locust"),
            "--html",
            str(self.out_dir / "locust.html"),
            "--loglevel",
            "WARNING",
            "--only-summary",
        ]
        if self.adapter:
            cmd += ["--adapter", self.adapter]
        if self.remote_workers > 0:
            host, port = self.master_address
            cmd += ["--master", "--expect-workers", str(self.remote_workers),
                    "--master-bind-host", host, "--master-bind-port", str(port),
                    "--workers-wait", f"{self.workers_wait_s:g}"]
        elif self.workers > 0:
            # Master and workers talk over loopback on a free port: Locust's default binds
            # 5557 on every interface, and a second run on the machine then fails to start.
            free = str(free_loopback_port())
            cmd += ["--processes", str(self.workers), "--master-bind-host", "127.0.0.1",
                    "--master-bind-port", free, "--master-host", "127.0.0.1",
                    "--master-port", free]
        return cmd + list(self.extra_args)


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's choice; Locust binds it next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


HISTORY_TAIL_BYTES = 8192  # several rows of locust_stats_history.csv (~200 bytes each)


def live_stats(history_csv: Path) -> tuple[int, int, float]:
    """(requests, failures, current requests/s) from the last aggregated row of Locust's
    ``_stats_history.csv``; zeros until Locust has written one.

    The history, not ``_stats.csv``: the latter's Requests/s is the mean since the start,
    not the live rate. Only the file's tail is read: it grows by a row every second.
    """
    try:
        with history_csv.open("rb") as f:
            header = f.readline()
            size = f.seek(0, os.SEEK_END)
            start = max(len(header), size - HISTORY_TAIL_BYTES)
            f.seek(start)
            tail = f.read()
    except OSError:
        return 0, 0, 0.0
    # Locust flushes a buffer, not whole rows: drop a trailing partial row, and the first
    # row when the seek landed inside it.
    lines = tail.decode("utf-8", errors="replace").split("\n")[:-1]
    if start > len(header):
        lines = lines[1:]
    rows = csv.DictReader([header.decode("utf-8", errors="replace"), *lines])
    last = (0, 0, 0.0)
    for row in rows:
        try:
            if row.get("Name") == "Aggregated":
                last = (
                    int(row["Total Request Count"]),
                    int(row["Total Failure Count"]),
                    float(row["Requests/s"]),
                )
        except (KeyError, TypeError, ValueError):
            continue
    return last


def _hms(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above (whole seconds)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def replay_clock(elapsed_s: float, expected_s: float) -> str:
    """``"0:12 / 0:25 eta 0:13"``: elapsed against the expected replay time.

    Past the expected time Locust is sending the last requests and writing its outputs:
    "finishing", never a negative time remaining.
    """
    shown = f"{_hms(elapsed_s)} / {_hms(expected_s)}"
    if elapsed_s >= expected_s:
        return f"{shown} finishing"
    return f"{shown} eta {_hms(math.ceil(expected_s - elapsed_s))}"


def _live(history_csv: Path, elapsed_s: float, expected_s: float) -> str:
    """``0:12 / 0:25 eta 0:13, 410 req/s, 4,920 requests, 0 errors``: a log line's status."""
    requests, failures, rps = live_stats(history_csv)
    return (f"{replay_clock(elapsed_s, expected_s)}, {rps:,.0f} req/s, {requests:,} requests, "
            f"{failures:,} errors")


@contextmanager
def _display(run: LocustRun, *, quiet: bool) -> Iterator[Callable[[float], None]]:
    """What the replay shows while it runs; yields ``show(elapsed_s)``, called every second.

    A bar on a terminal; in a log (no terminal, or CI) a timestamped line every 10 s from a
    heartbeat thread (``show`` does nothing there); nothing when ``quiet``.
    """
    history = run.out_dir / "locust_stats_history.csv"
    if quiet:
        yield lambda _elapsed: None
        return
    if plain_progress_wanted():
        def done(elapsed: float) -> str:
            requests, failures, _ = live_stats(history)
            return f"done in {_hms(elapsed)}: {requests:,} requests, {failures:,} errors"

        with Heartbeat("load test", start=f"replaying {_hms(run.expected_s)} of schedule",
                       status=lambda e: _live(history, e, run.expected_s), done=done):
            yield lambda _elapsed: None
        return
    started = time.monotonic()
    with Progress(TextColumn("load test"), BarColumn(), TextColumn("{task.fields[live]}"),
                  TextColumn("{task.fields[clock]}"), console=err_console) as progress:
        clock = replay_clock(0.0, run.expected_s)
        task = progress.add_task("load", total=run.expected_s, live="", clock=clock)

        def show(elapsed: float) -> None:
            requests, failures, rps = live_stats(history)
            progress.update(
                task, completed=min(elapsed, run.expected_s),
                live=f"{rps:,.0f} req/s, {requests:,} requests, {failures:,} errors",
                clock=replay_clock(elapsed, run.expected_s))

        yield show
        requests, failures, _ = live_stats(history)
        progress.update(task, completed=run.expected_s,
                        live=f"{requests:,} requests, {failures:,} errors",
                        clock=f"{_hms(time.monotonic() - started)} / {_hms(run.expected_s)}")


def run_locust(run: LocustRun, *, quiet: bool) -> tuple[int, str]:
    """Run the replay; return Locust's exit code and the tail of its stderr."""
    code, tail, _ = run_locust_measured(run, quiet=quiet)
    return code, tail


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


def run_locust_measured(run: LocustRun, *, quiet: bool) -> tuple[int, str, float]:
    """:func:`run_locust`, plus the CPU seconds (user + system) the Locust process and its
    local ``--processes`` workers used: what this machine's generator cost (workers started
    elsewhere are not counted). Divided by ``generator.fired_events`` of ``loadtest.json``:
    the CPU per check-in of :func:`pollday.harness.generators.workers_needed`."""
    before = _children_cpu_s()
    code, tail = _run(run, quiet=quiet)
    return code, tail, _children_cpu_s() - before


def _run(run: LocustRun, *, quiet: bool) -> tuple[int, str]:
    run.out_dir.mkdir(parents=True, exist_ok=True)
    log_path = run.out_dir / "locust.log"
    env_secret = {SECRET_ENV: run.secret}
    with log_path.open("w", encoding="utf-8") as log:
        # Locust dies with this process (issue 27): a replay nobody will read must not keep
        # loading the target. Its --processes workers die with it (loadtests/locustfile.py).
        proc = subprocess.Popen(
            run.command(), stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env_secret},
            preexec_fn=die_with_parent_hook(),
        )
        started = time.monotonic()
        timeout_s = run.timeout_s
        if run.remote_workers:
            timeout_s += run.workers_wait_s
            if not quiet:
                err_console.print(
                    f"waiting up to {run.workers_wait_s:g} s for {run.remote_workers} Locust "
                    f"workers: start them with 'pollday worker --master {run.master_bind}' "
                    "(the master's machine address, if 0.0.0.0)", highlight=False)
        with _display(run, quiet=quiet) as show:
            while proc.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > timeout_s:
                    proc.kill()
                    proc.wait()
                    return -9, f"Locust did not finish within {timeout_s:.0f} s and was stopped"
                show(elapsed)
                time.sleep(1.0)
    tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    return int(proc.returncode), " | ".join(tail)
