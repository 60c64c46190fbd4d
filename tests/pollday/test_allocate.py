"""``pollday allocate``: the outputs a planner reads (json, csv, moves, markdown), the
verdict lines, and exit 2 for budgets that cannot be allocated."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pollday.cli import main
from simulation.allocation.model import AllocationOutput

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"
STATIONS = 20  # smoke.toml: 14 + 4 + 2, one terminal each today


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_allocate_writes_the_answer_against_both_baselines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "alloc"
    budget = STATIONS + 6
    code = main(["allocate", str(SMOKE), "--budget", f"terminal={budget}", "--out", str(out),
                 "--replications", "3", "--workers", "1", "--band", "0", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("pollday allocate: terminal: 26 units")
    summary = AllocationOutput.read(out / "allocation.json")
    pool = summary.pools[0]
    assert (pool.budget, pool.today_total, pool.floors_total) == (budget, STATIONS, STATIONS)
    assert pool.placed + pool.not_needed == budget
    assert not pool.shared_curves and pool.curves == STATIONS  # --band 0: own curves
    # The answer is the optimum of the same objective on the same days: never worse than
    # either baseline, which the same curves judge.
    for baseline in (pool.today, pool.proportional):
        assert pool.recommended.voters_over_per_day <= baseline.voters_over_per_day
    assert pool.proportional.units == budget and pool.today.units == STATIONS
    assert pool.fresh is not None and pool.fresh.days == 1
    rows = _rows(out / "allocation.csv")
    assert len(rows) == STATIONS
    assert sum(int(r["recommended"]) for r in rows) == pool.placed
    assert sum(int(r["proportional"]) for r in rows) == budget
    assert all(int(r["recommended"]) >= 1 for r in rows)
    # The moves turn today's units into the recommendation, station by station.
    units = {r["station"]: int(r["today"]) for r in rows}
    for move in _rows(out / "moves.csv"):
        if move["from_station"]:
            units[move["from_station"]] -= int(move["units"])
        if move["to_station"]:
            units[move["to_station"]] += int(move["units"])
    assert units == {r["station"]: int(r["recommended"]) for r in rows}
    assert "| recommended (fresh days) |" in (out / "allocation.md").read_text()


def test_allocate_json_and_same_answer_for_two_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        assert main(["allocate", str(SMOKE), "--budget", "terminal=24", "--out", str(out),
                     "--replications", "2", "--fresh-days", "0", "--workers", workers,
                     "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["pools"][0].get("fresh") is None
        answers.append((out / "allocation.csv").read_text())
    assert answers[0] == answers[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--budget", "terminal=19"], "below the floors"),
    (["--budget", "urna=30"], "not a pool"),
    (["--budget", "terminal=2x"], "write POOL=N"),
    (["--budget", "terminal=²"], "write POOL=N"),
    (["--budget", "terminal=30", "--floor", "terminal=0"], "a floor is at least 1"),
    (["--budget", "terminal=30", "--budget", "terminal=31"], "given twice"),
    (["--budget", "terminal=5000"], "more than 60 units"),
])
def test_budgets_that_cannot_be_allocated_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["allocate", str(SMOKE), "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
