"""``pollday capacity --threshold`` and ``--max-level-s``: parsed, merged over the scenario's
thresholds, and followed by the level rule (no HTTP, nothing simulated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.capacity.config import CapacityConfig
from pollday.capacity.judge import level_rule
from pollday.capacity.level import level_thresholds
from pollday.capacity.pipeline import _stage
from pollday.cli import build_parser
from pollday.harness.failure import RunFailure

FLAT = Path(__file__).with_name("capacity_flat.toml")


def test_threshold_replaces_the_scenarios_rule_on_its_figure_and_the_rule_follows(
    tmp_path: Path,
) -> None:
    args = build_parser().parse_args([
        "capacity", str(FLAT), "--threshold", "checkin.p95_ms < 100",
        "--threshold", "checkin.p99_ms_intended < 2000", "--threshold", "capacity.multiple >= 5"])
    config = CapacityConfig(FLAT, tmp_path / "out", thresholds=list(args.threshold))
    _, thresholds, _, _ = _stage(config)
    rules = [t.rule for t in thresholds]
    assert "checkin.p95_ms < 100" in rules and "checkin.p95_ms < 250" not in rules
    assert rules[-2:] == ["checkin.p99_ms_intended < 2000", "capacity.multiple >= 5"]
    rule = level_rule(level_thresholds(thresholds))
    # The added p99 needs 1,000 check-ins; its 2 s limit, 18 s of replay.
    assert rule.min_requests == 1000 and rule.min_s == pytest.approx(18.0)


def test_a_bad_threshold_or_max_level_s_is_bad_input(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["capacity", str(FLAT), "--threshold", "checkin.p95 < 1"])
    assert stop.value.code == 2 and "checkin.p95" in capsys.readouterr().err
    config = CapacityConfig(FLAT, tmp_path / "out", level_s=30.0, max_level_s=10.0)
    with pytest.raises(RunFailure) as error:
        _stage(config)
    assert error.value.code == 2 and "--max-level-s 10 must be at least --level-s 30" in str(
        error.value)
