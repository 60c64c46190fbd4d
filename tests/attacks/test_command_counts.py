"""Every count an operator types into a pollday command has a range checked before anything
starts: ``--workers 100000`` once forked processes until memory ran out (issue 27, part 3;
``pollday serve``'s own are in test_operator_inputs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.cli import main
from pollday.options.counts import usable_cpus

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "scenarios" / "smoke.toml")
KENYA = str(ROOT / "scenarios" / "kenya-2022.toml")

CASES = [
    (["simulate", SMOKE, "--workers", "100000"], "--workers: 100000 is out of range"),
    (["simulate", SMOKE, "--replications", "100000000"], "use 1 to 10,000"),
    (["simulate", SMOKE, "--workers", "²"], "'²' is not a whole number"),
    (["size", SMOKE, "--workers", "100000"], "--workers: 100000 is out of range"),
    (["size", SMOKE, "--replications", "0"], "--replications: 0 is out of range"),
    (["allocate", SMOKE, "--budget", "terminal=30", "--workers", "100000"],
     "--workers: 100000 is out of range"),
    (["run", SMOKE, "--workers", "100000"], "--workers: 100000 is out of range"),
    (["run", SMOKE, "--sim-workers", "0"], "--sim-workers: 0 is out of range"),
    (["capacity", SMOKE, "--workers", "-1"], "--workers: -1 is out of range"),
    (["register", SMOKE, "--workers", "100000"], "--workers: 100000 is out of range"),
    (["spares", KENYA, "--replications", "1_000"], "'1_000' is not a whole number"),
    (["allocate", SMOKE, "--budget", "terminal=30", "--fresh-days", "100000000"],
     "--fresh-days: 100000000 is out of range"),
    (["station", "--replications", "100000000"], "--replications: 100000000 is out of range"),
]


@pytest.mark.parametrize(("argv", "says"), CASES, ids=[" ".join(c[0][::2]) for c in CASES])
def test_a_count_out_of_range_is_exit_2_before_anything_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    out = tmp_path / "out"
    target = ["--out", str(out) + (".ndjson" if argv[0] == "register" else "")]
    with pytest.raises(SystemExit) as stopped:
        main([*argv, *target])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert says in err, err
    if "out of range" in says:
        assert any(why in err for why in ("4 per usable CPU", "days per station", "(a day)"))
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing started


@pytest.mark.parametrize(("flag", "value"), [("--max-level-s", "1e12"), ("--level-s", "nan")])
def test_a_capacity_level_longer_than_a_day_is_exit_2_with_its_files(
        tmp_path: Path, flag: str, value: str) -> None:
    # capacity's bad input still leaves summary.json and junit.xml for CI (issue 11)
    out = tmp_path / "out"
    assert main(["capacity", SMOKE, "--out", str(out), "--quiet", flag, value]) == 2
    said = (out / "junit.xml").read_text()
    assert f"{flag} " in said and "is out of range" in said and "86,400 s (a day)" in said
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "summary.json"]


def test_the_bound_follows_the_usable_cpus(capsys: pytest.CaptureFixture[str]) -> None:
    most = 4 * usable_cpus()
    with pytest.raises(SystemExit):
        main(["simulate", SMOKE, "--out", "unused", "--workers", str(most + 1)])
    assert f"use 1 to {most}" in capsys.readouterr().err
