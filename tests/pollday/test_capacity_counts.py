"""Capacity levels that count (issue 21), end to end against a stub target of known capacity:
16 requests at once, 50 ms each, so at most 320 requests/s.

The flat test day offers about 1.55 check-ins/s per multiple of real time in 09:00-09:08
(744 check-ins in one pass of its 8 minutes). Before the rule, a level of ``--level-s 1``
at 20x (31 requests in a second) was judged "held"; and a target answering half of what
was offered held whenever no latency threshold said otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.capacity.judge import RATE_RULE
from tests.capacity_server import known_capacity
from tests.pollday.test_capacity import capacity, scenario_with

K, D_S = 16, 0.05  # 320 requests/s
# With test_capacity's stub-target searches on one worker (see its ONE_AT_A_TIME).
pytestmark = pytest.mark.xdist_group("load-generator")


@pytest.mark.slow
def test_levels_too_short_to_judge_are_not_judged(tmp_path: Path) -> None:
    """A p99 needs 1,000 check-ins: at 20x, 40x and 80x they take longer than
    ``--max-level-s 8``, so those levels are "not measured" (never sent, never held) and
    the search steps over them; 160x sends 1,000 or more in at least 5 s, and holds."""
    scenario = scenario_with(tmp_path, [
        "checkin.p99_ms < 500", "checkin.error_rate < 0.01", "generator.lag_p99_ms < 2000",
        "audit.lost_checkins == 0"])
    with known_capacity(K, D_S) as server:
        code, doc, stderr = capacity(
            scenario, tmp_path / "out", "--host", server.url, "--level-s", "1",
            "--max-level-s", "8", "--start-multiple", "20", "--ramp-factor", "2",
            "--max-multiple", "160")
    assert doc["rule"] == {"min_requests": 1000, "min_s": 5.0, "rate_ratio": 0.9,
                           "latency_limit_s": 0.5}
    by_multiple = {lvl["multiple"]: lvl for lvl in doc["levels"]}
    assert sorted(by_multiple) == [20, 40, 80, 160], stderr
    for m in (20, 40, 80):
        level = by_multiple[m]
        assert level["verdict"] == "not-measured" and not level["ran"]
        assert "--max-level-s 8" in level["not_measured"]
        assert level["endpoints"] == {}  # nothing was sent
    top = by_multiple[160]
    assert top["ran"] and top["verdict"] == "held", top
    assert top["replay_s"] >= 5.0 and top["checkins_scheduled"] >= 1000
    assert top["endpoints"]["checkin"]["requests"] >= 1000
    # Whatever else happens, no level shorter or smaller than the rule is "held".
    for level in doc["levels"]:
        if level["verdict"] == "held":
            assert level["replay_s"] >= 5.0 and level["checkins_scheduled"] >= 1000
    assert doc["capacity"]["outcome"] == "above-max" and doc["capacity"]["multiple"] == 160
    assert doc["headline"].startswith("holds at least 160x real time in 09:00-09:08")
    assert f"on {server.url}" in doc["headline"]
    assert code == 0, stderr
    # --quiet still prints the verdict line.
    assert "pollday capacity: met (exit 0): holds at least 160x" in stderr


@pytest.mark.slow
def test_a_level_answered_far_below_its_offer_did_not_hold(tmp_path: Path) -> None:
    """No latency threshold, and the target answers every request (its queue is in the
    stations, in the generator): 400x offers about 620 check-ins/s to a target of 320/s.
    It answers about half: failed, by the rate rule. 100x would need 3,000 check-ins at
    155/s, over --max-level-s 12: not measured, so 400x is the lowest judged."""
    scenario = scenario_with(tmp_path, [
        "checkin.error_rate < 0.001", "generator.lag_p99_ms < 2000",
        "audit.lost_checkins == 0"])
    with known_capacity(K, D_S) as server:
        _, doc, stderr = capacity(
            scenario, tmp_path / "out", "--host", server.url, "--level-s", "1",
            "--max-level-s", "12", "--start-multiple", "400", "--ramp-factor", "4",
            "--max-multiple", "400")
    first = doc["levels"][0]
    assert first["multiple"] == 400 and first["ran"], stderr
    assert first["checkins_scheduled"] >= 3000 and first["replay_s"] >= 5.0
    assert first["achieved_rps"] < 0.75 * first["offered_rps"], first
    assert first["verdict"] == "failed" and RATE_RULE in first["failing"]
    assert [lvl["verdict"] for lvl in doc["levels"]] == ["failed", "not-measured"]
    assert doc["capacity"]["outcome"] == "below-min"
    assert doc["capacity"]["first_to_break"] == first["failing"]
    assert "the lowest multiple that could be judged" in doc["headline"]
