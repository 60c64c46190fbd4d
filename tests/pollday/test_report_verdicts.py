"""One verdict per page: every shipped scenario's report colours each figure by the
catalogue's rule, and never shows a pass and a fail about the same subject."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from loadtests.figures import BY_NAME
from loadtests.figures.measured import lookup, standard_of
from pollday.report.verdict import subject_of
from simulation import load_scenario
from simulation.scenario.rules import OPS
from tests.pollday.report_support import SMOKE, write_smoke_run
from tests.pollday.verdict_pages import (
    SCENARIOS,
    Marks,
    judged_summary,
    render,
    service_figures,
    simulate_downsized,
)

STANDARD = "stations.stations_failing_standard == 0"


def rule_colour(name: str, value: float | None, summary: dict[str, Any]) -> str:
    """The colour the catalogue's rule gives, worked out here from the rule itself."""
    verdicts = [t["verdict"] for t in summary.get("thresholds") or []
                if t["name"] == name and t["verdict"] != "not-measured"]  # says nothing
    if verdicts:
        return "bad" if any(v != "met" for v in verdicts) else "good"
    alarm = BY_NAME[name].alarm
    if alarm is None or value is None:
        return "neutral"
    limit = lookup(summary, alarm.limit_key) if alarm.limit_key else None
    limit = alarm.limit if limit is None else float(limit)
    return "bad" if OPS[alarm.op](value, limit) else "good"


def _value(text: str) -> float | None:
    return None if text in ("", "None") else float(text)


def problems(html: str, summary: dict[str, Any]) -> list[str]:
    """Every colour on the page that is not the rule's, and every contradiction."""
    marks = Marks(html)
    found: list[str] = []
    colours: dict[str, set[str]] = {}
    for m in marks.figures:
        name = m.attrs["data-figure"]
        if "data-colour" in m.attrs:
            said, value = m.attrs["data-colour"], _value(m.attrs["data-value"])
            want = rule_colour(name, value, summary)
            if said != want:
                found.append(f"{name} = {value}: {said}, the rule says {want}")
            if said != "neutral" and said not in m.classes:
                found.append(f"{name}: data-colour {said} but classes {m.classes}")
            if name.startswith("stations.") and m.tag == "tr":
                actual = lookup(summary, BY_NAME[name].key)
                if actual is not None and not math.isclose(float(actual), value or 0.0):
                    found.append(f"{name}: the page shows {value}, summary.json {actual}")
        else:
            said = m.attrs["data-verdict"]  # a threshold's row
        colours.setdefault(name, set()).add(said)
    found += [f"{n}: both {c}" for n, c in colours.items() if {"good", "bad"} <= c]
    verdicts = {m.attrs["data-subject"]: m.attrs["data-verdict"] for m in marks.verdicts}
    if len(verdicts) != len(marks.verdicts):
        found.append("a subject has more than one verdict on the page")
    thresholds = summary.get("thresholds")
    failed = {subject_of(t["name"]) for t in thresholds or [] if t["verdict"] == "failed"}
    standard = standard_of(summary)
    stations_bad = "stations" in failed or not (standard or {}).get("holds_at_every_station", True)
    expected = {"stations": "bad" if stations_bad else "good"}
    if thresholds is not None:
        service = [t for t in thresholds if subject_of(t["name"]) == "service"]
        expected["service"] = "bad" if "service" in failed else "good" if service else "neutral"
    expected["page"] = ("bad" if "bad" in expected.values() else
                    "good" if set(expected.values()) == {"good"} else "neutral")
    if verdicts != expected:
        found.append(f"verdicts {verdicts}, the thresholds and the standard say {expected}")
    return found


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_smoke_run(tmp_path_factory.mktemp("smoke"))


def _summary(folder: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return summary


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_colours_by_the_catalogue(scenario: Path, tmp_path: Path) -> None:
    folder = simulate_downsized(scenario, tmp_path / "run")
    rules = load_scenario(scenario).thresholds
    summary = judged_summary(_summary(folder), rules)
    html = render(folder, summary)
    assert problems(html, summary) == []
    marks = Marks(html)
    shown = {m.attrs["data-figure"] for m in marks.figures}
    assert {"stations.stations_failing_standard", "stations.duplicates_voted"} <= shown
    counted_here = load_scenario(scenario).counting.counted == "station"
    # A day counted elsewhere has no protocols: the report shows no protocol figure for it.
    assert ("stations.protocols_within_1h_share" in shown) == counted_here
    assert {m.attrs["data-subject"] for m in marks.verdicts} == {"page", "service", "stations"}
    # The others judge the whole standard: CI fails when it fails. The two load-test days
    # (smoke; the results service's retry storm) judge only its wait and closing.
    if scenario.name not in ("smoke.toml", "results-retry-storm.toml"):
        assert STANDARD in rules
        standard = standard_of(summary)
        assert standard is not None
        assert summary["exit_code"] >= (not standard["holds_at_every_station"])


def test_smoke_exits_0_and_the_page_says_what_its_thresholds_leave_out(smoke: Path) -> None:
    summary = judged_summary(_summary(smoke), load_scenario(SMOKE).thresholds)
    assert summary["exit_code"] == 0  # many tests run smoke and need it to pass
    standard = standard_of(summary)
    assert standard is not None and not standard["holds_at_every_station"]
    assert set(standard["failing_by_part"]) == {"lost_votes"}  # see smoke.toml's comment
    html = render(smoke, summary)
    assert problems(html, summary) == []
    text = " ".join(html.split())
    assert "Does not hold: stations" in text
    assert "The thresholds do not judge the standard&#39;s lost votes, which fails" in text


def test_thresholds_that_skip_the_standard_never_read_as_all_met(smoke: Path) -> None:
    """Azerbaijan's old thresholds on a day whose standard fails: the exit code is 0, and the
    page says the service passes, the stations fail, and that the exit code misses it."""
    rules = ["checkin.p95_ms < 300", "audit.lost_checkins == 0",
             "stations.national_p95_wait_min <= 30"]
    summary = judged_summary(_summary(smoke), rules)
    assert summary["exit_code"] == 0
    html = render(smoke, summary)
    assert problems(html, summary) == []
    verdicts = {m.attrs["data-subject"]: m.attrs["data-verdict"] for m in Marks(html).verdicts}
    assert verdicts == {"page": "bad", "service": "good", "stations": "bad"}
    text = " ".join(html.split())
    assert "Service:</strong> all 2 thresholds on the service met" in text
    assert "Stations:</strong> the standard FAILS at 4 of 20 stations" in text
    judged = judged_summary(_summary(smoke), [*rules, STANDARD])
    assert judged["exit_code"] == 1 and problems(render(smoke, judged), judged) == []


def test_figures_that_should_alarm_are_red_and_a_slow_service_fails(smoke: Path) -> None:
    base = _summary(smoke)
    alarming = {**base, "duplicates_voted": 82,
                "protocols_uploaded_by_hour_after_close": [0.0, 0.4, 1.0]}
    summary = judged_summary(alarming, ["checkin.p95_ms < 300"],
                             loadtest=service_figures(p95_ms=412.0))
    html = render(smoke, summary)
    assert problems(html, summary) == []
    colour = {m.attrs["data-figure"]: m.attrs.get("data-colour") for m in Marks(html).figures}
    assert colour["stations.duplicates_voted"] == "bad"
    assert colour["stations.protocols_within_1h_share"] == "bad"
    assert colour["checkin.p95_ms"] is None  # a threshold row: its verdict, not a colour
    assert "Service:</strong> 1 of 1 threshold on the service failed: checkin.p95_ms" in html
    calm = {**base, "duplicates_voted": 0, "protocols_uploaded_by_hour_after_close": [1.0]}
    html = render(smoke, calm)
    colour = {m.attrs["data-figure"]: m.attrs.get("data-colour") for m in Marks(html).figures}
    assert colour["stations.duplicates_voted"] == "good"
    assert colour["stations.protocols_within_1h_share"] == "good"


def test_a_folder_from_before_the_whole_visit_standard(smoke: Path) -> None:
    """An older summary (its wait standard) still renders one verdict, by the same rules."""
    summary = _summary(smoke)
    summary["format"] = 1  # the layout of that time (wait_standard)
    new = summary.pop("standard")
    summary["wait_standard"] = {
        "standard_min": 30.0, "national_p95_wait_min": new["national_p95_wait_min"],
        "holds_nationally": True, "worst_station_p95_wait_min": 45.0, "stations": 20,
        "stations_over": 2, "stations_meeting": 18, "holds_at_every_station": False,
        "worst_stations": [{"station": "PS00001", "group": "online", "p95_wait_min": 45.0}]}
    html = render(smoke, summary)
    assert problems(html, summary) == []
    assert "the standard FAILS at 2 of 20 stations (the wait at 2)" in html
    assert lookup(summary, "standard.failing_by_part.lost_votes") is None  # not judged then


def test_the_checks_catch_a_hand_set_colour_and_a_contradiction(smoke: Path) -> None:
    summary = judged_summary(_summary(smoke), ["audit.lost_checkins == 0"])
    html = render(smoke, summary)
    assert problems(html, summary) == []
    hand_set = html.replace('data-figure="stations.duplicates_voted" data-value="6" '
                            'data-colour="bad"', 'data-figure="stations.duplicates_voted" '
                            'data-value="6" data-colour="good"')
    assert hand_set != html
    assert any("duplicates_voted" in p for p in problems(hand_set, summary))
    green = html.replace('data-subject="stations" data-verdict="bad"',
                         'data-subject="stations" data-verdict="good"')
    assert green != html and any("verdicts" in p for p in problems(green, summary))
