"""The real ``pollday`` CLI, run as a subprocess like a user or CI would."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from simulation.schedule import SCHEDULE_DTYPE

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"
SUMMARY_KEYS = {
    "scenario",
    "seed",
    "stations",
    "registered",
    "arrived",
    "voted",
    "reneged",
    "refused_duplicates",
    "turnout",
    "wait_min",
    "share_voters_waiting_over_30_min",
    "stations_with_p95_wait_over_30_min",
    "turnout_by_hour",
    "checkins_per_minute",
    "protocols_uploaded_by_hour_after_close",
    "wall_s",
}


def pollday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pollday", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def _summary_without_timing(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if '"wall_s"' not in line)


def test_simulate_writes_every_output(tmp_path: Path) -> None:
    run = pollday("simulate", str(SMOKE), "--out", str(tmp_path / "a"), "--workers", "2")
    assert run.returncode == 0, run.stderr
    out = tmp_path / "a"
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert set(summary["wait_min"]) == {"mean", "p50", "p95", "p99", "max"}
    assert summary["stations"] == 20 and summary["seed"] == 42
    assert "stations" in run.stdout and "outputs written to" in run.stdout
    with (out / "stations.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20
    assert {"wait_p95_min", "max_queue", "terminal_utilisation", "protocol_uploaded"} <= set(
        rows[0]
    )
    assert sum(int(r["voted"]) for r in rows) == summary["voted"]
    schedule = np.load(out / "schedule.npy")
    assert schedule.dtype == SCHEDULE_DTYPE and len(schedule) == summary["schedule_events"]
    queue = np.load(out / "queue_length.npz")
    assert queue["queue_length"].shape[0] == 20 and float(queue["bin_s"]) == 300.0


def test_summary_is_byte_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    for workers in ("1", "2"):
        run = pollday(
            "simulate",
            str(SMOKE),
            "--out",
            str(tmp_path / workers),
            "--workers",
            workers,
            "--quiet",
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout == ""
    assert _summary_without_timing(tmp_path / "1" / "summary.json") == _summary_without_timing(
        tmp_path / "2" / "summary.json"
    )
    assert (tmp_path / "1" / "stations.csv").read_bytes() == (
        tmp_path / "2" / "stations.csv"
    ).read_bytes()
    assert (tmp_path / "1" / "schedule.npy").read_bytes() == (
        tmp_path / "2" / "schedule.npy"
    ).read_bytes()


def test_seed_flag_is_recorded(tmp_path: Path) -> None:
    run = pollday(
        "simulate", str(SMOKE), "--out", str(tmp_path), "--seed", "7", "--json", "--workers", "1"
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["seed"] == 7


def test_bad_arguments_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (
        ("simulate", str(SMOKE), "--out", str(tmp_path), "--workers", "0"),
        ("simulate", str(SMOKE), "--out", str(tmp_path), "--seed", "-4"),
        ("simulate", str(SMOKE)),
        ("simulate", str(tmp_path / "missing.toml"), "--out", str(tmp_path)),
        ("frobnicate",),
    ):
        run = pollday(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert "Traceback" not in run.stderr


def test_validate_accepts_shipped_scenarios() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        run = pollday("validate", str(path))
        assert run.returncode == 0, run.stderr
        assert "valid" in run.stdout
