"""The real ``pollday`` CLI, run as a subprocess like a user or CI would; the quick flag
checks call :func:`pollday.cli.main` in this process. Also the terminal output helpers the
commands share (progress bars, the load-test clock)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pollday.cli import main
from pollday.harness.locust_process import live_stats, replay_clock
from pollday.run.register import write_run_register
from simulation import load_scenario
from simulation.national.runner import CHUNK_STATIONS
from simulation.outputs.schedule import SCHEDULE_DTYPE

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
    "standard",
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


@pytest.fixture(scope="module")
def smoke_simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One ``pollday simulate`` of the smoke scenario, shared (read-only) by several tests."""
    out = tmp_path_factory.mktemp("smoke") / "a"
    return out, pollday("simulate", str(SMOKE), "--out", str(out), "--workers", "2")


def test_simulate_writes_every_output(
    smoke_simulated: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, run = smoke_simulated
    assert run.returncode == 0, run.stderr
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


def _scaled_smoke(tmp_path: Path, online_stations: int) -> Path:
    """smoke.toml with ``online_stations`` in its first group instead of 14."""
    text = SMOKE.read_text(encoding="utf-8")
    assert text.count("\ncount = 14\n") == 1  # the online group; fails loudly if smoke changes
    path = tmp_path / "smoke-scaled.toml"
    path.write_text(text.replace("\ncount = 14\n", f"\ncount = {online_stations}\n"), "utf-8")
    return path


def test_summary_is_byte_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    # 56 + 4 + 2 = 62 stations: three chunks, so two workers really split the work.
    scenario = _scaled_smoke(tmp_path, 56)
    for workers in ("1", "2"):
        run = pollday(
            "simulate",
            str(scenario),
            "--out",
            str(tmp_path / workers),
            "--workers",
            workers,
            "--quiet",
        )
        assert run.returncode == 0, run.stderr
        # --quiet: the standard's one-line verdict only, and no progress.
        assert run.stdout.startswith("pollday simulate: The standard ")
        assert len(run.stdout.splitlines()) == 1 and run.stderr == ""
    stations = json.loads((tmp_path / "1" / "summary.json").read_text())["stations"]
    assert stations == 62 and stations > 2 * CHUNK_STATIONS
    assert _summary_without_timing(tmp_path / "1" / "summary.json") == _summary_without_timing(
        tmp_path / "2" / "summary.json"
    )
    assert (tmp_path / "1" / "stations.csv").read_bytes() == (
        tmp_path / "2" / "stations.csv"
    ).read_bytes()
    assert (tmp_path / "1" / "schedule.npy").read_bytes() == (
        tmp_path / "2" / "schedule.npy"
    ).read_bytes()


def test_seed_flag_is_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # In this process: simulate runs end to end as a subprocess in the tests above.
    code = main(["simulate", str(SMOKE), "--out", str(tmp_path), "--seed", "7", "--json",
                 "--workers", "1"])
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["seed"] == 7


def test_bad_arguments_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = pollday("frobnicate")  # the real process once: argparse's own exit
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    # The rest in this process (a subprocess each only adds its start-up): an exception
    # escaping main() would fail the test here instead of printing a traceback.
    for args in (
        ("simulate", str(SMOKE), "--out", str(tmp_path), "--workers", "0"),
        ("simulate", str(SMOKE), "--out", str(tmp_path), "--seed", "-4"),
        ("simulate", str(SMOKE), "--out", str(tmp_path), "--replications", "0"),
        ("simulate", str(tmp_path / "missing.toml"), "--out", str(tmp_path)),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
        assert code == 2, args
        assert "Traceback" not in capsys.readouterr().err


def test_validate_accepts_shipped_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    run = pollday("validate", str(SMOKE))  # the real command once, end to end
    assert run.returncode == 0, run.stderr
    assert "valid" in run.stdout
    # Every shipped scenario in this process: a subprocess each would only add its start-up.
    shipped = sorted((ROOT / "scenarios").glob("*.toml"))
    assert SMOKE in shipped
    for path in shipped:  # --strict: no shipped scenario carries a likely mistake
        assert main(["validate", str(path), "--strict"]) == 0, capsys.readouterr().err
        assert "valid" in capsys.readouterr().out


def test_simulate_writes_the_report_and_report_renders_it_again(
    smoke_simulated: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    out, run = smoke_simulated
    assert run.returncode == 0, run.stderr
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    folder = tmp_path / "run"
    shutil.copytree(out, folder)
    (folder / "report.html").unlink()
    again = pollday("report", str(folder))
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"report written to {folder / 'report.html'}\n"
    assert "Smoke test election" in (folder / "report.html").read_text(encoding="utf-8")
    (tmp_path / "empty").mkdir()
    refused = pollday("report", str(tmp_path / "empty"))
    assert refused.returncode == 2 and refused.stdout == ""
    assert f"pollday report: {tmp_path / 'empty'}: not a run folder" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_report_quiet_and_json(
    smoke_simulated: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(smoke_simulated[0], folder)
    assert main(["report", str(folder), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["report", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"report": str(folder / "report.html")}
    assert main(["report", str(tmp_path / "missing"), "--quiet", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "pollday report:" in captured.err  # errors are never quiet


def test_validate_quiet_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SMOKE), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["validate", str(SMOKE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "file": str(SMOKE),
        "valid": True,
        "problems": [],
        "warnings": [],
    }
    bad = tmp_path / "bad.toml"
    bad.write_text(SMOKE.read_text(encoding="utf-8").replace("seed = 42", "seed = -1"))
    assert main(["validate", str(bad), "--json"]) == 2
    assert json.loads(capsys.readouterr().out) == {
        "file": str(bad),
        "valid": False,
        "problems": [
            {
                "path": "election.seed",
                "value": "-1",
                "rule": "Input should be greater than or equal to 0",
                "suggestion": None,
                "line": 34,
                "column": 1,
            }
        ],
        "warnings": [],
    }
    assert main(["validate", str(bad), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{bad}:34:1: election.seed: -1: " in captured.err
    assert main(["validate", str(tmp_path / "none.toml"), "--json"]) == 2
    missing = json.loads(capsys.readouterr().out)
    assert missing["valid"] is False and missing["problems"][0]["path"] == "(file)"


def test_validate_warns_and_strict_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SMOKE.read_text(encoding="utf-8")
    assert 'fallback = "manual"' in text
    odd = tmp_path / "odd.toml"
    odd.write_text(text.replace('fallback = "manual"', 'fallback = "refuse"'))
    assert main(["validate", str(odd)]) == 0
    captured = capsys.readouterr()
    warning = "biometrics.manual_time_s: no effect with fallback = 'refuse'"
    assert f"{odd}: warning: {warning}" in captured.err and "valid" in captured.out
    assert main(["validate", str(odd), "--strict", "--json"]) == 2
    answer = json.loads(capsys.readouterr().out)
    assert answer["valid"] is False and answer["warnings"] == [warning]
    assert main(["validate", str(SMOKE), "--strict"]) == 0


def test_validate_strict_refuses_a_late_opening_nobody_gives_up_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = ROOT / "scenarios" / "nigeria-late-opening.toml"
    text = shipped.read_text(encoding="utf-8")
    patience = next(line for line in text.splitlines() if line.startswith("patience_min"))
    impatient = tmp_path / "late.toml"
    impatient.write_text(text.replace(patience, ""), encoding="utf-8")
    assert main(["validate", str(impatient), "--strict", "--json"]) == 2
    (warning,) = json.loads(capsys.readouterr().out)["warnings"]
    assert warning.startswith("late_opening: voters never give up (no voting.patience_min)")


def test_register_progress_quiet_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "register.ndjson"
    args = ["register", str(SMOKE), "--out", str(out), "--workers", "1"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote 4,445 voters at 20 stations to {out} ")
    # Not a terminal: timestamped lines, the last one with the count (tests/pollday/
    # test_progress.py has their format).
    assert "] writing register done: 4,445 voters in " in captured.err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main([*args, "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in summary.items() if k != "seconds"} == {
        "out": str(out),
        "stations": 20,
        "voters": 4445,
        "bytes_written": out.stat().st_size,
    }
    assert main(["register", str(SMOKE), "--out", str(tmp_path), "--quiet"]) == 2  # a folder
    captured = capsys.readouterr()
    assert captured.out == "" and "pollday register: error: cannot write" in captured.err


def test_run_register_bar_only_when_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = load_scenario(SMOKE)
    assert write_run_register(scenario, tmp_path / "a.ndjson", 0.5) == 2201
    assert capsys.readouterr() == ("", "")  # quiet unless the caller passes quiet=False
    assert write_run_register(scenario, tmp_path / "b.ndjson", 0.5, quiet=False) == 2201
    assert "writing register" in capsys.readouterr().err
    assert (tmp_path / "a.ndjson").read_bytes() == (tmp_path / "b.ndjson").read_bytes()


def test_replay_clock_shows_total_and_time_remaining() -> None:
    assert replay_clock(0.0, 25.0) == "0:00 / 0:25 eta 0:25"
    assert replay_clock(12.3, 25.0) == "0:12 / 0:25 eta 0:13"
    assert replay_clock(25.0, 25.0) == "0:25 / 0:25 finishing"
    assert replay_clock(31.0, 25.0) == "0:31 / 0:25 finishing"  # never a negative eta
    assert replay_clock(59.0, 4000.0) == "0:59 / 1:06:40 eta 1:05:41"


HISTORY_HEADER = (
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,Total Request Count,"
    "Total Failure Count\n"
)


def _history_row(second: int, rps: float, requests: int, failures: int) -> str:
    return f"{1_700_000_000 + second},1,,Aggregated,{rps:f},0.0,2,{requests},{failures}\n"


def test_live_stats_reads_the_last_complete_history_row(tmp_path: Path) -> None:
    history = tmp_path / "locust_stats_history.csv"
    assert live_stats(history) == (0, 0, 0.0)  # Locust has not written it yet
    history.write_text(HISTORY_HEADER)
    assert live_stats(history) == (0, 0, 0.0)
    history.write_text(HISTORY_HEADER + _history_row(0, 3.5, 7, 1))
    assert live_stats(history) == (7, 1, 3.5)
    # A long run (the tail is read from inside a row) ending in a half-flushed row.
    rows = "".join(_history_row(t, 100.0 + t, 1000 * t, t // 10) for t in range(1, 300))
    history.write_text(HISTORY_HEADER + rows + "1700000300,1,,Aggreg")
    assert history.stat().st_size > 8192
    assert live_stats(history) == (299_000, 29, 399.0)


def test_size_sizes_every_pool_of_a_configured_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Brazil's sections: a mesa and an urna each; the urnas are what the day needs."""
    brazil = ROOT / "scenarios" / "brazil-2022.toml"
    out = tmp_path / "s"
    assert main(["size", str(brazil), "--out", str(out), "--quiet", "--replications", "3",
                 "--no-sensitivity", "--workers", "1"]) == 0
    summary = json.loads((out / "sizing.json").read_text())
    assert summary["resources"] == ["mesa", "urna"]
    header = (out / "sizing.csv").read_text().splitlines()[0].split(",")
    assert {"mesa", "mesa_current", "urna", "urna_current", "reason_urna"} <= set(header)
    confirmation = summary["confirmation"]
    assert confirmation["days"] >= 20 and confirmation["stations"] == summary["stations"]
    assert "before you change hardware" in capsys.readouterr().out
    assert main(["size", str(brazil), "--out", str(tmp_path / "t"), "--resources",
                 "terminals"]) == 2
    assert "this scenario's pools are ['mesa', 'urna']" in capsys.readouterr().err


def test_an_internal_error_is_exit_3_never_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pollday.cli

    def broken(args: object) -> int:
        raise ValueError("Negative delay -3950.0")

    monkeypatch.setitem(pollday.cli._COMMANDS, "validate", broken)
    assert main(["validate", str(SMOKE)]) == 3
    assert "pollday: internal error" in capsys.readouterr().err


def test_a_day_ending_on_the_half_hour_simulates_and_reports(tmp_path: Path) -> None:
    text = SMOKE.read_text(encoding="utf-8")
    text = text.replace('closing = "19:00"', 'closing = "19:30"').replace(
        '{ start = "17:00", end = "19:00", share = 0.08 }',
        '{ start = "17:00", end = "19:30", share = 0.08 }',
    )
    scenario = tmp_path / "half.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["simulate", str(scenario), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert [h["time"] for h in summary["arrivals_by_hour"]][-1] == "19:00"
    assert (out / "report.html").exists()
