"""The scenario scaling of benchmarks/bench_scale.py: counts of station groups multiplied,
every other byte kept, the result still a valid scenario."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from benchmarks.bench_scale import (
    Measured,
    _parse,
    _plan,
    _split_extra,
    scale_scenario_text,
    speedups,
)
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "scenarios" / "smoke.toml"
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"

TEXT = """\
[election]
count = 7
[[station_groups]]
name = "a"
count = 12   # a comment stays
registered = { kind = "fixed", value = 300 }
[[station_groups]]
name = "b"
count = 1_000
[loadtest]
count = 3
"""


def test_scales_only_station_group_counts_and_keeps_every_other_byte() -> None:
    scaled = scale_scenario_text(TEXT, 10)
    assert scaled == (TEXT.replace("count = 12 ", "count = 120 ")
                      .replace("count = 1_000", "count = 10000"))
    assert scale_scenario_text(TEXT, 1) == TEXT


def test_a_count_it_cannot_rewrite_is_an_error_not_a_silent_copy() -> None:
    no_count = '[[station_groups]]\nname = "a"\n'
    assert scale_scenario_text(no_count, 3) == no_count  # nothing to scale
    with pytest.raises(ValueError, match="could not scale"):
        scale_scenario_text('station_groups = [{ name = "a", count = 5 }]\n', 2)
    with pytest.raises(ValueError, match="positive"):
        scale_scenario_text(TEXT, 0)


@pytest.mark.parametrize("path", [SMOKE, AZERBAIJAN], ids=["smoke", "azerbaijan"])
def test_scaled_shipped_scenarios_are_valid_with_factor_times_the_stations(
        path: Path, tmp_path: Path) -> None:
    scaled = tmp_path / "scaled.toml"
    scaled.write_text(scale_scenario_text(path.read_text(), 10))
    before, after = load_scenario(path), load_scenario(scaled)
    assert [g.count * 10 for g in before.station_groups] == \
        [g.count for g in after.station_groups]
    assert before.model_copy(update={"station_groups": after.station_groups}) == after
    assert len(tomllib.loads(scaled.read_text())["station_groups"]) == \
        len(before.station_groups)


def test_arguments_after_the_double_dash_are_passed_through_to_every_run() -> None:
    own, extra = _split_extra(["1", "2", "--workers", "3", "--", "--no-schedule", "--x", "4"])
    args = _parse(own)
    assert (args.factors, args.workers, extra) == ([1, 2], 3, ["--no-schedule", "--x", "4"])
    assert _plan(args, extra) == [("x1", 1, 3, extra), ("x2", 2, 3, extra)]
    dask = _parse(["--dask-speedup"])
    assert [p[3] for p in _plan(dask, ["--no-schedule"])] == [
        ["--no-schedule", "--cluster", "local:1"], ["--no-schedule", "--cluster", "local:2"]]
    workers = _parse(["--workers-speedup"])
    assert [(p[2], p[3]) for p in _plan(workers, [])] == [(1, []), (2, [])]
    assert _parse([]).factors == [1, 10, 50]


def test_repeated_speed_up_pairs_alternate_their_order_and_give_the_median_ratio() -> None:
    args = _parse(["--dask-speedup", "--repeat", "3", "--speedup-factor", "2"])
    plan = _plan(args, ["--no-schedule"])
    assert [(label, factor) for label, factor, _, _ in plan] == [
        ("dask-local-1-run1", 2), ("dask-local-2-run1", 2),
        ("dask-local-2-run2", 2), ("dask-local-1-run2", 2),
        ("dask-local-1-run3", 2), ("dask-local-2-run3", 2)]
    assert plan[2][3] == ["--no-schedule", "--cluster", "local:2"]
    walls = {"dask-local-1-run1": (90.0, 88.0), "dask-local-2-run1": (50.0, 48.0),
             "dask-local-2-run2": (40.0, 38.0), "dask-local-1-run2": (76.0, 74.0),
             "dask-local-1-run3": (80.0, 78.0), "dask-local-2-run3": (50.0, 48.0)}
    rows = [Measured(label=label, wall_s=walls[label][0],
                     summary={"wall_s": walls[label][1]}) for label, *_ in plan]
    ratios = speedups(rows)
    assert ratios["pairs"] == [1.8, 1.9, 1.6]
    assert ratios["median"] == 1.8
    assert ratios["simulation_pairs"] == [round(88 / 48, 3), round(74 / 38, 3),
                                          round(78 / 48, 3)]
    with pytest.raises(SystemExit):
        _parse(["--dask-speedup", "--repeat", "0"])
