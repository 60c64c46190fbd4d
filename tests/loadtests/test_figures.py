"""The figure catalogue is the one list: every figure a run can produce is in it, and every
judged figure of it is produced; thresholds parse and judge by it; the docs page is it."""

from __future__ import annotations

import pytest

from loadtests.figures import BY_NAME, CATALOGUE, ENDPOINTS, known_figures, of_group
from loadtests.figures.measured import ENDPOINT_STATS, ITEM_STATS, run_figures
from loadtests.thresholds import (
    ThresholdError,
    evaluate,
    judge_all,
    judged_by_run,
    parse_threshold,
)
from simulation.scenario.rules import OPS


def _endpoint(alias: str) -> dict[str, object]:
    stats: dict[str, object] = {s: 1.5 for s in ENDPOINT_STATS}
    stats.update(figure=alias, statuses={"201": 3}, errors={}, attempts=3, retries=0)
    if alias == "batch":
        stats["item_statuses"] = {"201 (expected)": 9, "422": 1}
    return stats


def _full_run() -> dict[str, float | None]:
    """Figures of a run where every part answered: every endpoint, generator, audit, day, loop."""
    loadtest = {
        "endpoints": {key: _endpoint(alias) for key, alias in ENDPOINTS.items()},
        "generator": {f.stat: 0 for f in of_group("generator")} | {"workers": 1},
    }
    audit = {f.stat: 0 for f in of_group("audit")} | {"acknowledged_checkins": 5}
    summary = {
        "standard": {"national_p95_wait_min": 3.0, "worst_station_p95_wait_min": 40.0,
                     "stations_failing": 2, "failing_by_part": {"wait": 2}},
        "duplicates_voted": 0, "protocols_uploaded_by_hour_after_close": [1.0],
        "protocols_never_uploaded": 0, "protocol_upload_attempts": 3,
        "share_voters_waiting_over_30_min": 0.01, "lost_votes": 7, "reneged": 4,
        "not_served_at_close": 2, "refused_not_identified": 1, "turnout": 0.6,
        "wait_min": {"mean": 1.0},
        "late_opening": {"stations": 3, "left_before_opening": 2},
    }
    loop = {"with_measured_latency": {f.stat: 1 for f in of_group("loop")}}
    return run_figures(loadtest, audit, summary, loop)


def test_a_full_run_produces_exactly_the_catalogues_run_figures() -> None:
    figures = _full_run()
    judged_by_run_names = {f.name for f in CATALOGUE if f.judged_by == "run"}
    assert set(figures) == judged_by_run_names
    assert all(v is not None for v in figures.values()), figures
    assert figures["stations.stations_failing_standard"] == 2
    assert figures["stations.lost_left_line"] == 4
    assert figures["stations.stations_opened_late"] == 3
    assert figures["stations.lost_before_opening"] == 2
    assert figures["batch.item_error_count"] == 1 and figures["batch.items"] == 10


def test_every_catalogue_entry_is_complete_and_unique() -> None:
    assert len(BY_NAME) == len(CATALOGUE)
    for f in CATALOGUE:
        assert f.unit in {"ms", "min", "share", "count", "x"}, f
        assert f.label and f.meaning and "." in f.name, f
    assert set(known_figures()) == {f.name for f in CATALOGUE if f.judged_by}
    assert BY_NAME["capacity.multiple"].judged_by == "capacity"
    assert BY_NAME["loop.mean_wait_min"].judged_by == ""  # shown in the report, never judged
    assert len(ENDPOINT_STATS) == 11 and ITEM_STATS == (
        "item_error_rate", "item_error_count", "items")


@pytest.mark.parametrize(
    ("op", "measured", "holds"),
    [("<", 299.0, True), ("<", 300.0, False), ("<=", 300.0, True), ("<=", 300.5, False),
     (">", 300.5, True), (">", 300.0, False), (">=", 300.0, True), (">=", 299.0, False),
     ("==", 300.0, True), ("==", 299.0, False), ("!=", 299.0, True), ("!=", 300.0, False)],
)
def test_every_operator_judges_at_and_beside_its_bound(op: str, measured: float,
                                                       holds: bool) -> None:
    threshold = parse_threshold(f"checkin.p95_ms {op} 300")
    (verdict,) = evaluate([threshold], {"checkin.p95_ms": measured})
    assert verdict == {"name": "checkin.p95_ms", "rule": f"checkin.p95_ms {op} 300",
                       "value": measured, "verdict": "met" if holds else "failed"}


def test_the_operator_table_is_the_documented_one() -> None:
    assert tuple(OPS) == ("<=", "<", ">=", ">", "==", "!=")


@pytest.mark.parametrize("measured", [None, float("nan")])
def test_no_data_fails_whatever_the_rule(measured: float | None) -> None:
    rules = [parse_threshold("audit.lost_checkins == 0"),
             parse_threshold("checkin.requests >= 0")]
    figures = {"audit.lost_checkins": measured}  # checkin.requests: absent altogether
    verdicts = judge_all(rules, figures)
    assert [v.verdict for v in verdicts] == ["failed", "failed"]
    assert all(v.value is None and v.reason and v.reason.startswith("no data")
               for v in verdicts)


def test_an_int_figure_stays_an_int_in_the_verdict() -> None:
    (verdict,) = evaluate([parse_threshold("audit.lost_checkins == 0")],
                          {"audit.lost_checkins": 0})
    assert verdict["value"] == 0 and isinstance(verdict["value"], int)
    assert "reason" not in verdict


def test_capacity_figures_are_not_judged_by_a_run() -> None:
    rules = [parse_threshold("capacity.multiple >= 2"), parse_threshold("checkin.p95_ms < 9")]
    assert [t.figure for t in judged_by_run(rules)] == ["checkin.p95_ms"]


@pytest.mark.parametrize(
    ("rule", "says"),
    [("checkin.p95_ms = 300", "not 'figure op value'"),
     ("checkin.p95_ms < fast", "'fast' is not a number"),
     ("checkin.p95_ms < inf", "the value must be finite"),
     ("stations.p95_wait_min <= 30", "ambiguous figure"),
     ("nosuch.p95_ms < 1", "figure groups:")],
)
def test_a_bad_rule_says_what_is_wrong(rule: str, says: str) -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_threshold(rule)
    assert says in caught.value.reason and str(caught.value).startswith(repr(rule))
