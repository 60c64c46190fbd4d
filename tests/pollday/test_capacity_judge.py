"""When a capacity level counts: the rule, its judgement and the plan that meets it (exact,
no HTTP)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from loadtests.thresholds import Verdict, parse_threshold
from pollday.capacity.judge import RATE_RULE, judge, level_rule, needed_requests
from pollday.capacity.plan import HIGH, LOW, fresh_passes, plan_level

SMOKE = ["checkin.p95_ms < 300", "checkin.p99_ms_intended < 1000", "checkin.error_rate < 0.01",
         "generator.lag_p99_ms < 100", "audit.lost_checkins == 0"]


def rules(*texts: str) -> list[Any]:
    return [parse_threshold(t) for t in texts]


@pytest.mark.parametrize(("rule", "needed"), [
    ("checkin.p95_ms < 300", 200),  # 10 samples beyond the p95
    ("checkin.p99_ms_intended < 1000", 1000),  # 10 beyond the p99
    ("checkin.p50_ms < 100", 20),
    ("checkin.error_rate < 0.01", 300),  # rule of three: 3 / 0.01
    ("checkin.error_rate < 0.001", 3000),
    ("checkin.error_rate == 0", None),  # exact: any count
    ("checkin.max_ms < 5000", None),
    ("audit.lost_checkins == 0", None),
    ("generator.lag_p99_ms < 100", None),  # not an endpoint's figure
])
def test_requests_a_threshold_needs(rule: str, needed: int | None) -> None:
    assert needed_requests(parse_threshold(rule)) == needed


def test_the_smoke_rule_needs_1000_checkins_and_9_s() -> None:
    rule = level_rule(rules(*SMOKE))
    # The p99 needs 1,000 check-ins; the 1 s latency limit, 9 s at a 0.9 rate ratio.
    assert rule.min_requests == 1000 and rule.min_s == pytest.approx(9.0)
    assert rule.latency_limit_s == 1.0


def test_without_thresholds_a_level_still_needs_its_floor() -> None:
    rule = level_rule([])
    assert rule.min_requests == 200 and rule.min_s == 5.0
    # A batch threshold does not raise what a level (of check-ins) needs.
    assert level_rule(rules("batch.p95_ms_intended < 60000")).min_s == 5.0


def met(*texts: str) -> list[Verdict]:
    return [Verdict(name=t.split()[0], rule=t, value=1.0, verdict="met") for t in texts]


def ran(**kw: Any) -> dict[str, Any]:
    """A level that sent enough, long enough, at the rate offered (overridden by ``kw``)."""
    return {"replay_s": 10.0, "main_requests": 5000, "offered_rps": 500.0,
            "achieved_rps": 498.0, "verdicts": met(*SMOKE), "requests_by_group":
            {"checkin": 5000}, **kw}


def test_a_level_too_short_or_too_small_is_not_measured_never_held() -> None:
    """The bug of issue 21: 395 requests in 0.02 s, every threshold met: not "held"."""
    rule = level_rule(rules(*SMOKE))
    short = judge(rule, **ran(replay_s=0.02, main_requests=395))
    assert short.verdict == "not-measured" and "0.02 s" in (short.not_measured or "")
    few = judge(rule, **ran(main_requests=999))
    assert few.verdict == "not-measured" and "999 check-ins" in (few.not_measured or "")
    assert judge(rule, **ran()).verdict == "held"


def test_a_target_answering_well_below_the_offer_did_not_hold() -> None:
    rule = level_rule(rules(*SMOKE))
    judged = judge(rule, **ran(offered_rps=19001.0, achieved_rps=1152.0))
    assert judged.verdict == "failed"
    assert [v.rule for v in judged.failing] == [RATE_RULE]
    assert judged.failing[0].value == pytest.approx(1152 / 19001, abs=1e-3)
    # At 90 % of the offer it still holds: the ratio is the rule, not "exactly the offer".
    assert judge(rule, **ran(achieved_rps=450.0)).verdict == "held"


def test_a_late_generator_makes_the_level_say_nothing_about_the_target() -> None:
    rule = level_rule(rules(*SMOKE))
    late = [*met(*SMOKE[:3]), Verdict(name="generator.lag_p99_ms", rule=SMOKE[3],
                                      value=250.0, verdict="failed")]
    judged = judge(rule, **ran(achieved_rps=100.0, verdicts=late))
    assert judged.verdict == "generator-bound"
    assert [v.rule for v in judged.failing] == [SMOKE[3]]  # not the target's rate


def test_a_threshold_on_an_endpoint_with_too_few_requests_is_not_judged() -> None:
    thresholds = [*SMOKE, "batch.p95_ms < 1000"]
    rule = level_rule(rules(*thresholds))
    verdicts = [*met(*SMOKE), Verdict(name="batch.p95_ms", rule="batch.p95_ms < 1000",
                                      value=4000.0, verdict="failed")]
    judged = judge(rule, **ran(verdicts=verdicts,
                               requests_by_group={"checkin": 5000, "batch": 16}))
    assert judged.verdict == "held"
    assert judged.not_judged == ["batch.p95_ms < 1000: 16 requests, needs 200"]
    enough = judge(rule, **ran(verdicts=verdicts,
                               requests_by_group={"checkin": 5000, "batch": 400}))
    assert enough.verdict == "failed" and enough.not_judged == []


# -- the plan: 10 equal stations, each 30 check-ins and 20 voters in a 3,600 s window ------
N = 10
ORDER = np.arange(N, dtype=np.int64)
LOAD = np.full(N, 1 / N)
MAIN = np.full(N, 30, dtype=np.int64)
WINDOW_S = 3600.0
RULE = level_rule(rules(*SMOKE))  # 1,000 check-ins, 9 s


def plan(multiple: float, level_s: float = 5.0, max_level_s: float = 600.0,
         passes_allowed: int | None = None) -> Any:
    allowed = None if passes_allowed is None else np.full(N, passes_allowed, dtype=np.int64)
    return plan_level(multiple, ORDER, LOAD, MAIN, WINDOW_S, level_s, RULE, max_level_s,
                      allowed)


def test_a_plan_takes_fewer_compressions_before_passes() -> None:
    """At 2,000x the 300 check-ins of every station last 1.8 s: 9 s needs 5 passes (1,500
    check-ins). At 100x, 9 s would be 3 stations (90 check-ins): the plan takes every
    station at the least compression (100, 36 s a pass), then 4 passes for 1,000."""
    high = plan(2000.0)
    assert high.load.n_stations == N and high.passes == 5 and high.not_measured is None
    assert high.replay_s == pytest.approx(9.0) and high.main_requests == 1500
    low = plan(100.0)
    assert low.load.n_stations == N and low.load.compress == pytest.approx(100.0)
    assert low.passes == 4 and low.main_requests == 1200
    assert low.replay_s == pytest.approx(144.0)


def test_a_plan_meets_the_rule_at_every_multiple_it_accepts() -> None:
    for multiple in (100.0, 300.0, 1000.0, 5000.0, 40000.0):
        p = plan(multiple, max_level_s=10_000)
        assert p.not_measured is None
        assert p.replay_s >= RULE.min_s - 1e-9 and p.main_requests >= RULE.min_requests
        # The rate is the multiple's: check-ins / replay = multiple x 300 / 3,600 s.
        assert p.main_requests / p.replay_s == pytest.approx(multiple * 300 / WINDOW_S)


def test_a_plan_too_long_for_max_level_s_is_not_measured_low() -> None:
    p = plan(10.0, max_level_s=600.0)  # 0.83 check-ins/s: 1,000 take 1,200 s
    assert p.not_measured is not None and p.side == LOW
    assert "--max-level-s 600" in p.not_measured


def test_a_plan_beyond_the_stations_fresh_voters_is_not_measured_high() -> None:
    p = plan(40000.0, passes_allowed=20)  # 0.09 s a pass: 100 passes for 9 s
    assert p.not_measured is not None and p.side == HIGH
    assert "fresh voters for 20" in p.not_measured
    assert plan(4000.0, passes_allowed=20).not_measured is None  # 10 passes


def test_fresh_passes_count_the_blocks_already_used() -> None:
    registered = np.array([400, 100, 50])
    voters = np.array([20, 25, 0])  # the third station has no voters in the window
    allowed = fresh_passes(registered, voters, used=3)
    assert allowed[:2].tolist() == [17, 1] and allowed[2] > 10**9
