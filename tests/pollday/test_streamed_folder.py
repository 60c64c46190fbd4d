"""The run folder written as chunks come: the same files whatever the chunking, and the
large outputs only on demand."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np

from pollday.simulate.outputs import simulate_day_into_folder
from simulation import RunOptions, parse_scenario, simulate
from tests.pollday.report_support import SMOKE


def _scenario_file(tmp_path: Path) -> Path:
    """Smoke with 50 online stations and every group (online and offline) in play."""
    text = SMOKE.read_text(encoding="utf-8")
    path = tmp_path / "smoke-50.toml"
    path.write_text(text.replace("\ncount = 14\n", "\ncount = 50\n", 1), encoding="utf-8")
    assert tomllib.loads(path.read_text())["station_groups"][0]["count"] == 50
    return path


def _folder(tmp_path: Path, name: str, scenario_file: Path, options: RunOptions,
            workers: int) -> Path:
    out = tmp_path / name
    scenario = parse_scenario(tomllib.loads(scenario_file.read_text()))
    simulate_day_into_folder(out, scenario, scenario_file, options=options, workers=workers)
    return out


def test_chunking_and_workers_do_not_change_a_byte_of_the_data(tmp_path: Path) -> None:
    path = _scenario_file(tmp_path)
    a = _folder(tmp_path, "a", path, RunOptions(chunk_stations=24, voters=True), 1)
    b = _folder(tmp_path, "b", path, RunOptions(chunk_stations=5, voters=True), 2)
    for name in ("stations.csv", "schedule.npy", "voters.npy", "voters_columns.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    with np.load(a / "queue_length.npz") as qa, np.load(b / "queue_length.npz") as qb:
        assert qa.files == qb.files
        for key in qa.files:
            assert np.array_equal(qa[key], qb[key]), key
    sa, sb = (json.loads((f / "summary.json").read_text()) for f in (a, b))
    assert {**sa, "wall_s": 0} == {**sb, "wall_s": 0}
    # And the streamed files hold what an in-memory run holds.
    memory = simulate(parse_scenario(tomllib.loads(path.read_text())), workers=1,
                      options=RunOptions(voters=True))
    assert np.array_equal(np.load(a / "schedule.npy"), memory.schedule)
    assert memory.voters is not None  # nan waits: compare bytes, not values
    assert np.load(a / "voters.npy").tobytes() == memory.voters.tobytes()
    with np.load(a / "queue_length.npz") as q:
        assert np.array_equal(q["queue_length"], memory.queue_bins)
        assert q["station"].tolist() == list(range(56))


def test_a_planning_run_skips_the_schedule_and_queue_curves_and_still_reports(
        tmp_path: Path) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    (out / "schedule.npy").write_bytes(b"an earlier day's schedule")
    run = subprocess.run(
        [sys.executable, "-m", "pollday", "simulate", str(SMOKE), "--out", str(out),
         "--workers", "1", "--no-schedule", "--no-queue-curves", "--quiet"],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert not (out / "schedule.npy").exists()  # never passed off as this day's
    assert not (out / "queue_length.npz").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outputs"] == ["stations.csv", "scenario.toml"]
    assert summary["schedule_events"] > 0  # counted, just not written
    report = (out / "report.html").read_text()
    assert "did not write queue curves" in report
