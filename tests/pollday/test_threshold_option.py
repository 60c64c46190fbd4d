"""``--threshold RULE``: parsing (exit 2 with a how-to) and merging into the scenario's."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest

from loadtests.thresholds import parse_threshold
from pollday.cli import main
from pollday.verdicts.threshold_option import (
    add_threshold_argument,
    describe,
    merge_thresholds,
    threshold_type,
)

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"
SCENARIO = ["checkin.p95_ms < 300", "audit.lost_checkins == 0", "checkin.error_rate < 0.01"]


def _rules(merged: Sequence[object]) -> list[str]:
    return [str(t) for t in merged]


def test_a_rule_on_a_new_figure_is_added_at_the_end() -> None:
    merged = merge_thresholds(SCENARIO, [parse_threshold("results.p99_ms < 800")])
    assert _rules(merged.thresholds) == [*SCENARIO, "results.p99_ms < 800"]
    assert merged.added == ["results.p99_ms < 800"] and merged.replaced == []


def test_a_rule_on_a_judged_figure_replaces_it_in_place() -> None:
    merged = merge_thresholds(SCENARIO, [parse_threshold("checkin.p95_ms<=50")])
    assert _rules(merged.thresholds) == [
        "checkin.p95_ms <= 50", "audit.lost_checkins == 0", "checkin.error_rate < 0.01"]
    assert merged.replaced == [("checkin.p95_ms < 300", "checkin.p95_ms <= 50")]
    assert describe(merged) == [
        "threshold 'checkin.p95_ms < 300' replaced by 'checkin.p95_ms <= 50' (--threshold)"]


def test_several_rules_on_one_figure_are_all_kept_and_replace_every_scenario_rule() -> None:
    scenario = ["checkin.p95_ms < 300", "audit.lost_checkins == 0", "checkin.p95_ms > 0"]
    given = [parse_threshold("checkin.p95_ms > 1"), parse_threshold("checkin.p95_ms < 80")]
    merged = merge_thresholds(scenario, given)
    assert _rules(merged.thresholds) == [
        "checkin.p95_ms > 1", "checkin.p95_ms < 80", "audit.lost_checkins == 0"]
    assert len(merged.replaced) == 2 and merged.added == []


def test_no_rules_leave_the_scenario_as_it_is() -> None:
    merged = merge_thresholds(SCENARIO, [])
    assert _rules(merged.thresholds) == SCENARIO and describe(merged) == []
    same = merge_thresholds(SCENARIO, [parse_threshold("checkin.p95_ms < 300")])
    assert _rules(same.thresholds) == SCENARIO and describe(same) == []


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("checkin.p97_ms < 300", "unknown figure 'checkin.p97_ms'"),
        ("checkin.p95_ms 300", "not 'figure op value'"),
        ("checkin.p95_ms < fast", "'fast' is not a number"),
        ("checkin.p95_ms < inf", "finite"),
        ("stations.p95_wait_min < 30", "ambiguous figure"),
    ],
)
def test_a_bad_rule_says_what_is_wrong_and_how_to_write_one(rule: str, says: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as error:
        threshold_type()(rule)
    assert says in str(error.value)
    assert "e.g. --threshold 'checkin.p95_ms < 300'" in str(error.value) or (
        "e.g. 'checkin.p95_ms < 300'" in str(error.value))
    assert str(error.value).endswith("the figures are listed in docs/figures.md")


def test_capacity_figures_belong_to_pollday_capacity() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="judged by pollday capacity only"):
        threshold_type("run")("capacity.multiple >= 10")
    assert str(threshold_type("capacity")("capacity.multiple >= 10")) == "capacity.multiple >= 10"
    assert str(threshold_type("capacity")("checkin.p95_ms < 9")) == "checkin.p95_ms < 9"


def test_the_argument_is_repeatable_and_defaults_to_none() -> None:
    parser = argparse.ArgumentParser()
    add_threshold_argument(parser)
    assert parser.parse_args([]).threshold == []
    args = parser.parse_args(["--threshold", "checkin.p95_ms < 5", "--threshold",
                              "audit.lost_checkins == 0"])
    assert _rules(args.threshold) == ["checkin.p95_ms < 5", "audit.lost_checkins == 0"]


def test_pollday_run_refuses_a_bad_threshold_with_exit_2_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(SMOKE), "--out", str(out), "--threshold", "checkin.p9_ms < 3"])
    assert exit_.value.code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "argument --threshold" in err and "unknown figure 'checkin.p9_ms'" in err
    assert "e.g. --threshold 'checkin.p95_ms < 300'" in err
