"""Run Locust headless as a subprocess (never in this process: importing locust patches it).

Progress comes from Locust's own ``--csv`` stats file, refreshed every second: elapsed time
against the expected replay time, with the live request rate and error count.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

import loadtests
from pollday.console import err_console


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
        if self.workers > 0:
            cmd += ["--processes", str(self.workers)]
        return cmd


def _live_stats(stats_csv: Path) -> tuple[int, int, float]:
    """(requests, failures, current requests/s) from Locust's aggregated CSV row."""
    try:
        with stats_csv.open(newline="") as f:
            for row in csv.DictReader(f):
                if row.get("Name") == "Aggregated":
                    return (
                        int(row["Request Count"]),
                        int(row["Failure Count"]),
                        float(row["Requests/s"]),
                    )
    except (OSError, KeyError, ValueError):
        pass
    return 0, 0, 0.0


def run_locust(run: LocustRun, *, quiet: bool) -> tuple[int, str]:
    """Run the replay; return Locust's exit code and the tail of its stderr."""
    run.out_dir.mkdir(parents=True, exist_ok=True)
    log_path = run.out_dir / "locust.log"
    env_secret = {"POLLDAY_SECRET": run.secret}
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            run.command(), stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env_secret}
        )
        started = time.monotonic()
        with Progress(
            TextColumn("load test"),
            BarColumn(),
            TextColumn("{task.fields[live]}"),
            TimeElapsedColumn(),
            console=err_console,
            disable=quiet,
        ) as progress:
            task = progress.add_task("load", total=run.expected_s, live="")
            while proc.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > run.timeout_s:
                    proc.kill()
                    proc.wait()
                    return -9, f"Locust did not finish within {run.timeout_s:.0f} s and was stopped"
                requests, failures, rps = _live_stats(run.out_dir / "locust_stats.csv")
                progress.update(
                    task,
                    completed=min(elapsed, run.expected_s),
                    live=f"{rps:,.0f} req/s, {requests:,} requests, {failures:,} errors",
                )
                time.sleep(1.0)
            progress.update(task, completed=run.expected_s)
    tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    return int(proc.returncode), " | ".join(tail)
