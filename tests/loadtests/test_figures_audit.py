"""The ledger's audit figures are catalogue figures: a threshold may name
``audit.duplicates_refused``, ``audit.idempotency_conflicts``, ``audit.checkin_ids_shared``
and ``audit.double_acceptances_seen_by_harness``, and ``pollday run`` and a capacity level
judge them from an ``--audit answers`` audit (the harness's ledger, no target asked); the
catalogue says which audit figures need ``--audit full``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loadtests.audit import audit
from loadtests.audit.levels import NEEDS_ADMIN, audit_unmeasured
from loadtests.figures import BY_NAME, of_group
from loadtests.figures.measured import run_figures
from loadtests.figures.rules import colour
from loadtests.thresholds import judge_all, parse_threshold
from pollday.capacity.judge import level_rule
from pollday.capacity.plan import LevelPlan
from pollday.capacity.record import level_record
from pollday.capacity.window import LevelLoad
from pollday.published.figures_page import figures_markdown

NOBODY = "http://127.0.0.1:9"  # the answers level asks the target nothing
LEDGER_FIGURES = ("duplicates_refused", "idempotency_conflicts", "checkin_ids_shared",
                  "double_acceptances_seen_by_harness")


def _line(kind: str, station: int, voter: int, status: int, checkin_id: str | None,
          key: str, home: int | None = None) -> dict[str, Any]:
    home = station if home is None else home
    return {"kind": kind, "station": station, "station_id": f"PS{station + 1:05d}",
            "voter": voter, "home_station": home, "voter_id": f"V{home}-{voter}",
            "status": status, "checkin_id": checkin_id, "idempotency_key": key}


# Two duplicates refused; one key answered 201 then 409; check-in id c2 given to two voters;
# voter V0-1 answered 201 under two keys.
LEDGER = [
    _line("checkin", 0, 1, 201, "c1", "k1"),
    _line("checkin", 0, 2, 201, "c2", "k2"),
    _line("checkin", 1, 3, 201, "c2", "k3"),
    _line("checkin", 1, 1, 201, "c4", "k4", home=0),
    _line("checkin", 1, 4, 201, "c5", "k5"),
    _line("checkin", 1, 4, 409, None, "k5"),
    _line("duplicate", 1, 2, 409, None, "d1", home=0),
    _line("sync_duplicate", 0, 3, 409, None, "d2", home=1),
]


@pytest.fixture
def answers(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "ledger.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in LEDGER))
    return audit(path, NOBODY, "", "answers")


def test_the_ledger_figures_are_in_the_audit_group_that_run_and_capacity_flatten() -> None:
    audit_stats = {f.stat for f in of_group("audit")}
    assert set(LEDGER_FIGURES) <= audit_stats
    for stat in LEDGER_FIGURES:
        parse_threshold(f"audit.{stat} == 0")  # a threshold may name it
        assert BY_NAME[f"audit.{stat}"].judged_by == "run"


def test_a_threshold_on_each_ledger_figure_is_judged_from_an_answers_audit(
        answers: dict[str, Any]) -> None:
    assert (answers["duplicates_refused"], answers["idempotency_conflicts"],
            answers["checkin_ids_shared"], answers["double_acceptances_seen_by_harness"]) \
        == (2, 1, 1, 1)
    rules = ["audit.duplicates_refused >= 2", "audit.idempotency_conflicts == 0",
             "audit.checkin_ids_shared == 0", "audit.double_acceptances_seen_by_harness < 2",
             "audit.lost_checkins == 0"]
    figures = run_figures({}, answers, {}, {})
    verdicts = judge_all([parse_threshold(r) for r in rules], figures,
                         audit_unmeasured(answers))
    got = {v.rule: (v.verdict, v.value) for v in verdicts}
    assert got == {
        "audit.duplicates_refused >= 2": ("met", 2),
        "audit.idempotency_conflicts == 0": ("failed", 1),
        "audit.checkin_ids_shared == 0": ("failed", 1),
        "audit.double_acceptances_seen_by_harness < 2": ("met", 1),
        "audit.lost_checkins == 0": ("not-measured", None),  # needs --audit full
    }


def test_a_capacity_level_judges_the_ledger_figures_too(answers: dict[str, Any],
                                                         tmp_path: Path) -> None:
    thresholds = [parse_threshold(r) for r in (
        "audit.idempotency_conflicts == 0", "audit.duplicates_refused > 0")]
    endpoint = {"figure": "checkin", "requests": 600, "attempts": 600, "retries": 0,
                "statuses": {"201": 600}, "errors": {}, "error_count": 0, "error_rate": 0.0,
                "p95_ms": 20.0}
    loadtest = {"endpoints": {"POST /v1/checkins": endpoint},
                "generator": {"scheduled_jobs": 600, "first_send_s": 0.0,
                              "last_answer_s": 30.0, "lag_p99_ms": 5.0}}
    plan = LevelPlan(LevelLoad(2.0, np.arange(4, dtype=np.int64), 0.5, 10.0), passes=1,
                     pass_s=30.0, main_requests=600)
    found: Any = level_record(plan, 1, tmp_path, loadtest, answers, thresholds,
                              level_rule(thresholds), 100.0)
    record = found if isinstance(found, dict) else found.model_dump()  # a model or its dict
    assert record["audit"]["idempotency_conflicts"] == 1
    assert record["audit"]["duplicates_refused"] == 2
    assert record["verdict"] == "failed"
    assert record["failing"] == ["audit.idempotency_conflicts == 0"]


def test_the_catalogue_says_which_audit_figures_need_the_full_audit() -> None:
    for f in of_group("audit"):
        needs_full = "needs `--audit full`" in f.meaning
        assert needs_full == (f.stat in NEEDS_ADMIN), f.name
        assert needs_full or "`--audit full` or `answers`" in f.meaning, f.name
    assert "lower bound" in BY_NAME["audit.double_acceptances"].meaning
    page = figures_markdown()
    assert "fails its\nthreshold with \"no data\"" in page
    assert "*not measured*" in page and "neither met nor failed" in page


def test_a_not_measured_verdict_does_not_colour_a_figure() -> None:
    rule = BY_NAME["audit.lost_checkins"]
    assert colour(rule.direction, rule.alarm, None, verdicts=["not-measured"]) == "neutral"
    assert colour(rule.direction, rule.alarm, 0, verdicts=["not-measured", "met"]) == "good"
    assert colour(rule.direction, rule.alarm, 1, verdicts=["failed"]) == "bad"
