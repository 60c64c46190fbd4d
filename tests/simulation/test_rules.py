"""One rule grammar for sizing targets and thresholds; the simulation layer checks a
threshold's grammar, pollday's loader also its figure name (the load tests' catalogue)."""

from __future__ import annotations

import pytest

from pollday.scenario.file import parse_scenario as parse_checked
from simulation import ScenarioError, parse_scenario
from simulation.scenario.rules import OPS, ORDER_OPS, RuleSyntaxError, split_rule, split_threshold
from simulation.sizing.targets import TargetError, parse_target
from tests.simulation.test_summary import _scenario


def test_targets_take_the_comparisons_of_the_one_operator_table() -> None:
    assert set(ORDER_OPS) < set(OPS)
    for op in ORDER_OPS:
        target = parse_target(f"p95_wait_min {op} 30")
        assert (target.metric, target.op, target.value) == ("p95_wait_min", op, 30.0)
        assert target.holds(30.0) is OPS[op](30.0, 30.0)
    with pytest.raises(TargetError, match="is not 'metric op value'"):
        parse_target("p95_wait_min == 30")


@pytest.mark.parametrize(("text", "reason"), [
    ("a.b <", "not 'name op value'"), ("a.b < x", "'x' is not a number"),
    ("a.b < nan", "the value must be finite"),
])
def test_the_grammar_says_which_part_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        split_rule(text, name=r"[a-z_]+\.[a-z_]+")
    assert caught.value.reason == reason


def test_a_threshold_rule_keeps_its_text() -> None:
    rule = split_threshold("  checkin.p95_ms<=300 ")
    assert str(rule) == "checkin.p95_ms <= 300" and not rule.holds(301)


def test_the_library_checks_grammar_and_pollday_also_the_figure_name() -> None:
    data = _scenario().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["thresholds"] = ["nosuch.figure < 1"]
    assert parse_scenario(data).thresholds == ["nosuch.figure < 1"]
    with pytest.raises(ScenarioError) as bad:
        parse_checked(data, file="s.toml")
    (problem,) = bad.value.problems
    assert problem.path == "thresholds[0]" and problem.rule.startswith("unknown figure")
    data["thresholds"] = ["nosuch.figure = 1"]
    with pytest.raises(ScenarioError, match="not 'figure op value'"):
        parse_scenario(data)
