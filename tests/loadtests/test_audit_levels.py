"""Audit levels (loadtests/audit/levels.py, loadtests/audit/ledger.py): the ``answers`` level
from a ledger file (exact figures), ``none``, and thresholds on figures a level did not
measure (``not-measured``, never met; a lower bound settles what it can)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadtests.audit import audit
from loadtests.audit.ledger import answers_audit
from loadtests.audit.levels import NEEDS_ADMIN, audit_unmeasured, unmeasured_stats
from loadtests.results import AuditOutput
from loadtests.thresholds import Unmeasured, judge_all, parse_threshold

# Nothing listens on the discard port: a level that asked the target anything would fail.
NOBODY = "http://127.0.0.1:9"


def _line(kind: str, station: int, voter: int, status: int, checkin_id: str | None,
          key: str | None, home: int | None = None, **more: Any) -> dict[str, Any]:
    home = station if home is None else home
    return {"kind": kind, "station": station, "station_id": f"PS{station + 1:05d}",
            "voter": voter, "home_station": home, "voter_id": f"V{home}-{voter}",
            "status": status, "checkin_id": checkin_id, "idempotency_key": key, **more}


def _protocol(station: int, votes: dict[str, int], status: int = 201) -> dict[str, Any]:
    counts = {"ballots_issued": sum(votes.values()), "ballots_valid": sum(votes.values()),
              "ballots_invalid": 0, "votes": votes}
    return _line("protocol", station, -1, status, None, None, protocol=counts)


LEDGER = [
    _line("checkin", 0, 1, 201, "c1", "k1"),
    _line("checkin", 0, 2, 201, "c2", "k2"),
    _line("sync_checkin", 1, 1, 201, "c3", "k3"),
    _line("checkin", 1, 2, 404, None, "k4"),  # unknown voter
    # voter V0-1 acknowledged again under another key: seen accepted twice
    _line("checkin", 1, 1, 201, "c4", "k5", home=0),
    # the target gave check-in id c2 to a second voter
    _line("checkin", 1, 3, 201, "c2", "k6"),
    # one key, two different answers (a key reused, answered 201 then 409)
    _line("checkin", 1, 4, 201, "c5", "k7"),
    _line("checkin", 1, 4, 409, None, "k7"),
    _line("duplicate", 1, 1, 409, None, "d1", home=0),
    _line("duplicate", 0, 1, 201, "c6", "d2", home=1),  # a duplicate accepted
    _line("sync_duplicate", 0, 2, 409, None, "d3", home=1),
    _protocol(0, {"A": 2, "B": 1}),
    _protocol(0, {"A": 2, "B": 1}, status=200),  # a retry replayed: counted once
    _protocol(1, {"A": 1, "C": 3}),
]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in LEDGER))
    return path


def test_the_answers_level_reads_exact_figures_from_the_ledger(ledger: Path) -> None:
    found = audit(ledger, NOBODY, "", "answers")  # asks the target nothing
    assert found == answers_audit(ledger).model_dump(exclude_unset=True, exclude={"format"})
    assert found["level"] == "answers"
    assert found["acknowledged_checkins"] == 6  # c1, c2, c3, c4, c2 again, c5
    assert found["duplicates_accepted"] == 1 and found["duplicates_refused"] == 2
    assert found["double_acceptances_seen_by_harness"] == 1  # V0-1 under k1 and k5
    assert found["checkin_ids_shared"] == 1  # c2
    assert found["idempotency_conflicts"] == 1  # k7
    assert found["protocols_accepted_by_harness"] == 2
    assert found["protocol_votes"] == {"A": 3, "B": 1, "C": 3}
    assert found["statuses"] == {"checkin": {"201": 5, "404": 1, "409": 1},
                                 "duplicate": {"201": 1, "409": 1},
                                 "protocol": {"200": 1, "201": 2},
                                 "sync_checkin": {"201": 1},
                                 "sync_duplicate": {"409": 1}}
    # What needs the target's own records is null (not measured), never 0.
    assert {stat: found[stat] for stat in NEEDS_ADMIN} == dict.fromkeys(NEEDS_ADMIN)
    assert found["not_measured"] == list(NEEDS_ADMIN)
    assert "result_votes" not in found and "server_counters" not in found
    AuditOutput.model_validate(found)  # what summary.json holds is the model


def test_a_clean_ledger_has_nothing_to_say_against_the_target(tmp_path: Path) -> None:
    path = tmp_path / "ledger.ndjson"
    clean = [_line("checkin", 0, v, 201, f"c{v}", f"k{v}") for v in range(5)]
    clean.append(_line("duplicate", 1, 0, 409, None, "d0", home=0))
    path.write_text("".join(json.dumps(e) + "\n" for e in clean))
    found = audit(path, NOBODY, "", "answers")
    assert (found["duplicates_accepted"], found["double_acceptances_seen_by_harness"],
            found["checkin_ids_shared"], found["idempotency_conflicts"]) == (0, 0, 0, 0)
    assert found["acknowledged_checkins"] == 5 and found["duplicates_refused"] == 1


def test_the_none_level_reads_nothing_and_measures_nothing(tmp_path: Path) -> None:
    found = audit(tmp_path / "no-such-ledger.ndjson", NOBODY, "", "none")
    stats = unmeasured_stats("none")
    assert set(NEEDS_ADMIN) < set(stats) and "duplicates_accepted" in stats
    assert found == {"level": "none", **dict.fromkeys(stats), "not_measured": list(stats)}
    AuditOutput.model_validate(found)


def test_which_figures_each_level_leaves_unmeasured(ledger: Path) -> None:
    assert audit_unmeasured({"level": "full", "lost_checkins": 0}) == {}
    assert audit_unmeasured({"lost_checkins": 0}) == {}  # an older summary: the full audit
    answers = audit_unmeasured(audit(ledger, NOBODY, "", "answers"))
    assert sorted(answers) == sorted(f"audit.{s}" for s in NEEDS_ADMIN)
    # The ledger's voters accepted twice are a lower bound of double_acceptances.
    assert answers["audit.double_acceptances"].at_least == 1
    assert answers["audit.lost_checkins"].at_least is None
    assert "--audit answers" in answers["audit.lost_checkins"].reason
    assert "--audit full" in answers["audit.lost_checkins"].reason
    none = audit_unmeasured(audit(ledger, NOBODY, "", "none"))
    assert "audit.duplicates_accepted" in none and "--audit none" in next(
        iter(none.values())).reason


def _verdict(rule: str, value: float | None,
             unmeasured: dict[str, Unmeasured]) -> tuple[str, float | None, str | None]:
    t = parse_threshold(rule)
    v = judge_all([t], {t.figure: value}, unmeasured)[0]
    return v.verdict, v.value, v.reason


WHY = Unmeasured("not measured (--audit answers): it needs the target's admin contract")


def test_a_threshold_on_an_unmeasured_figure_is_not_measured_never_met() -> None:
    assert _verdict("audit.lost_checkins == 0", None, {"audit.lost_checkins": WHY}) == (
        "not-measured", None, WHY.reason)
    # A figure that should have been measured and was not still fails ("no data").
    assert _verdict("audit.lost_checkins == 0", None, {})[0] == "failed"
    # A measured value is judged as always, whatever the level said.
    assert _verdict("audit.lost_checkins == 0", 0, {"audit.lost_checkins": WHY})[0] == "met"


@pytest.mark.parametrize(("rule", "at_least", "verdict"), [
    ("audit.double_acceptances == 0", 1, "failed"),  # one seen: more than 0 for sure
    ("audit.double_acceptances == 2", 1, "not-measured"),  # 1 seen, 2 possible
    ("audit.double_acceptances < 1", 1, "failed"),
    ("audit.double_acceptances <= 1", 1, "not-measured"),
    ("audit.double_acceptances < 5", 1, "not-measured"),
    ("audit.double_acceptances >= 1", 1, "met"),
    ("audit.double_acceptances > 1", 1, "not-measured"),
    ("audit.double_acceptances != 0", 1, "met"),
    ("audit.double_acceptances != 3", 1, "not-measured"),
])
def test_a_lower_bound_settles_only_what_it_can(rule: str, at_least: float,
                                                 verdict: str) -> None:
    why = Unmeasured(WHY.reason, at_least=at_least)
    found, value, reason = _verdict(rule, None, {"audit.double_acceptances": why})
    assert found == verdict
    if verdict == "not-measured":
        assert (value, reason) == (None, WHY.reason)
    else:
        assert value == at_least and reason is not None and "at least 1" in reason
