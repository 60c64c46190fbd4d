"""Malformed scenario files: every problem named with file, field path, value and rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import ScenarioError, load_scenario
from tests.simulation.conftest import SMOKE

SMOKE_TEXT = SMOKE.read_text(encoding="utf-8")

# (case id, text to replace in smoke.toml, replacement, expected path, expected rule fragment)
CASES = [
    (
        "toml-syntax",
        'name = "Smoke test election"',
        'name = "Smoke test election',
        "(syntax)",
        "TOML syntax error",
    ),
    (
        "unknown-field",
        "seed = 42",
        "seed = 42\nsede = 43",
        "election.sede",
        "Extra inputs are not permitted",
    ),
    ("wrong-type", "seed = 42", 'seed = "forty-two"', "election.seed", "valid integer"),
    (
        "negative-time",
        "per_ballot_s = 5",
        "per_ballot_s = -5",
        "counting.per_ballot_s",
        "greater than or equal to 0",
    ),
    (
        "shares-not-summing-to-1",
        'end = "19:00", share = 0.08',
        'end = "19:00", share = 0.18',
        "arrivals",
        "interval shares must sum to 1",
    ),
    (
        "min-greater-than-max",
        "registered_min = 50\nregistered_max = 500\nterminals = 1\n"
        'desks = 1\nbooths = 2\nconnectivity = "offline"',
        "registered_min = 600\nregistered_max = 500\nterminals = 1\n"
        'desks = 1\nbooths = 2\nconnectivity = "offline"',
        "station_groups[1]",
        "registered_min (600) must not exceed registered_max (500)",
    ),
    (
        "closing-before-opening",
        'closing = "19:00"',
        'closing = "07:00"',
        "election",
        "closing (07:00) must be after opening (08:00)",
    ),
    (
        "zero-stations",
        "count = 14",
        "count = 0",
        "station_groups[0].count",
        "greater than or equal to 1",
    ),
    (
        "unknown-distribution",
        'kind = "uniform", low = 150',
        'kind = "weibull", low = 150',
        "station_groups[0].registered",
        "does not match any of the expected tags",
    ),
    ("missing-field", "timeout_s = 3\n", "", "central.timeout_s", "Field required"),
    ("missing-section", "[voting]\n", "[votingg]\n", "voting", "Field required"),
    (
        "probability-above-1",
        "success_probability = 0.55",
        "success_probability = 1.5",
        "biometrics.success_probability",
        "less than or equal to 1",
    ),
    (
        "lognormal-mixed-parameters",
        '{ kind = "lognormal", mean = 14, sd = 6 }',
        '{ kind = "lognormal", mean = 14, median = 6 }',
        "biometrics.scan_time_s",
        "give either 'mean' and 'sd', or 'median' and 'p95'",
    ),
    (
        "lognormal-p95-below-median",
        "median = 0.15, p95 = 0.6",
        "median = 0.15, p95 = 0.1",
        "central.latency_s",
        "p95 (0.1) must be greater than median (0.15)",
    ),
    (
        "uniform-reversed",
        "low = 20, high = 40",
        "low = 40, high = 20",
        "counting.setup_min",
        "high (20.0) must be greater than low (40.0)",
    ),
    (
        "manual-fallback-without-time",
        'manual_time_s = { kind = "gamma", mean = 60, sd = 20 }\n',
        "",
        "biometrics",
        "fallback 'manual' needs manual_time_s",
    ),
    (
        "outage-unknown-group",
        'group = "online" }',
        'group = "rural" }',
        "central.outages[0].group",
        "'rural' is not a station group",
    ),
    (
        "interval-outside-hours",
        '{ start = "17:00", end = "19:00", share = 0.08 }',
        '{ start = "17:00", end = "20:00", share = 0.08 }',
        "arrivals.intervals[4]",
        "lies outside polling hours 08:00-19:00",
    ),
    (
        "candidate-shares",
        "share = 0.1\n",
        "share = 0.3\n",
        "election",
        "candidate shares must sum to 1",
    ),
    (
        "turnout-spread-too-wide",
        "turnout_sd = 0.05",
        "turnout_sd = 0.6",
        "arrivals",
        "turnout_sd 0.6 is too large",
    ),
    (
        "constituency-out-of-range",
        "constituencies = [1, 3]",
        "constituencies = [1, 9]",
        "station_groups[0].constituencies",
        "names constituency 9, but the election has 4",
    ),
    (
        "negative-wait",
        '{ kind = "gamma", mean = 30, sd = 10 }',
        '{ kind = "gamma", mean = -30, sd = 10 }',
        "voting.ballot_time_s.mean",
        "greater than 0",
    ),
    (
        "empirical-bad-histogram",
        '{ kind = "gamma", mean = 30, sd = 10 }',
        '{ kind = "empirical", edges = [0, 10], weights = [1, 2] }',
        "voting.ballot_time_s",
        "one more edge than weights",
    ),
    # TOML accepts inf and nan; no scenario number may be either (they crashed the run).
    (
        "infinite-number",
        "per_ballot_s = 5",
        "per_ballot_s = inf",
        "counting.per_ballot_s",
        "finite number",
    ),
    (
        "nan-number",
        "mtbf_h = 40",
        "mtbf_h = nan",
        "failures.mtbf_h",
        "finite number",
    ),
    (
        "negative-infinite-offset",
        "utc_offset_h = 1",
        "utc_offset_h = -inf",
        "station_groups[2].utc_offset_h",
        "finite number",
    ),
    (
        "infinite-distribution-parameter",
        "low = 150, high = 400",
        "low = 150, high = inf",
        "station_groups[0].registered.high",
        "finite number",
    ),
    (
        "nan-distribution-parameter",
        '{ kind = "lognormal", mean = 14, sd = 6 }',
        '{ kind = "lognormal", mean = 14, sd = nan }',
        "biometrics.scan_time_s.sd",
        "finite number",
    ),
    (
        "infinite-empirical-value",
        '{ kind = "gamma", mean = 30, sd = 10 }',
        '{ kind = "empirical", values = [20, inf] }',
        "voting.ballot_time_s.values[1]",
        "finite number",
    ),
    # Finite but absurd: 1e308 s per ballot overflowed to inf while the day was summarised.
    (
        "implausibly-large-number",
        "per_ballot_s = 5",
        "per_ballot_s = 1e308",
        "counting.per_ballot_s",
        "implausibly large",
    ),
    (
        "implausibly-large-distribution-parameter",
        '{ kind = "lognormal", mean = 14, sd = 6 }',
        '{ kind = "lognormal", mean = 14, sd = 6e12 }',
        "biometrics.scan_time_s.sd",
        "implausibly large",
    ),
    (
        "unknown-time-zone",
        "utc_offset_h = 4",
        'time_zone = "Mars/Olympus"',
        "election.time_zone",
        "unknown time zone 'Mars/Olympus'",
    ),
    (
        "time-zone-is-a-folder",
        "utc_offset_h = 4",
        'time_zone = "Europe"',
        "election.time_zone",
        "unknown time zone 'Europe'",
    ),
    (
        "time-zone-disagrees-with-offset",
        "utc_offset_h = 4",
        'utc_offset_h = 3\ntime_zone = "Asia/Baku"',
        "election.utc_offset_h",
        "disagrees with time_zone 'Asia/Baku', which is UTC+4",
    ),
    (
        "bad-time-of-day",
        'opening = "08:00"',
        'opening = "8 o\'clock"',
        "election.opening",
        "valid time",
    ),
]


def _write(tmp_path: Path, case: str, old: str, new: str) -> Path:
    assert old in SMOKE_TEXT, f"case {case}: fragment not found in smoke.toml"
    path = tmp_path / f"{case}.toml"
    path.write_text(SMOKE_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_there_are_at_least_15_distinct_malformed_files() -> None:
    assert len({c[0] for c in CASES}) >= 15


@pytest.mark.parametrize(("case", "old", "new", "path", "rule"), CASES, ids=[c[0] for c in CASES])
def test_malformed_file_names_path_and_rule(
    tmp_path: Path, case: str, old: str, new: str, path: str, rule: str
) -> None:
    file = _write(tmp_path, case, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    problems = caught.value.problems
    assert any(p.path == path and rule in p.rule for p in problems), caught.value.render()
    assert str(file) in caught.value.render()


def test_value_is_reported(tmp_path: Path) -> None:
    text = SMOKE_TEXT.replace("count = 14", "count = -3", 1)
    path = tmp_path / "pollday-count-negative.toml"  # not a shared /tmp name: parallel runs
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == ("station_groups[0].count", "-3")


def test_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    text = SMOKE_TEXT.replace("count = 14", "count = 0").replace("seed = 42", "seed = -1")
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    paths = {p.path for p in caught.value.problems}
    assert {"station_groups[0].count", "election.seed"} <= paths


def test_infinite_value_is_reported_as_written(tmp_path: Path) -> None:
    path = tmp_path / "inf.toml"
    path.write_text(SMOKE_TEXT.replace("per_ballot_s = 5", "per_ballot_s = inf"), "utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == ("counting.per_ballot_s", "inf")


@pytest.mark.parametrize(
    ("date", "zone", "offset_h"),
    [("2024-02-07", "Asia/Baku", 4.0), ("2024-07-04", "Europe/London", 1.0),
     ("2024-01-04", "Europe/London", 0.0), ("2024-11-05", "America/New_York", -5.0),
     ("2024-04-19", "Asia/Kolkata", 5.5)],
)
def test_a_named_time_zone_gives_the_offset_of_election_day(
        tmp_path: Path, date: str, zone: str, offset_h: float) -> None:
    text = SMOKE_TEXT.replace("utc_offset_h = 4", f'time_zone = "{zone}"', 1)
    text = re.sub(r"^date = .*$", f"date = {date}", text, count=1, flags=re.MULTILINE)
    path = tmp_path / "tz.toml"
    path.write_text(text, "utf-8")
    election = load_scenario(path).election
    assert (election.time_zone, election.utc_offset_h) == (zone, offset_h)


def test_a_bad_time_zone_does_not_hide_other_problems(tmp_path: Path) -> None:
    text = SMOKE_TEXT.replace("utc_offset_h = 4", 'time_zone = "Mars/Olympus"', 1)
    path = tmp_path / "tz.toml"
    path.write_text(text.replace("count = 14", "count = 0", 1), "utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    found = {(p.path, p.value) for p in caught.value.problems}
    assert {("election.time_zone", "'Mars/Olympus'"), ("station_groups[0].count", "0")} <= found


def test_a_station_group_may_name_its_own_time_zone(tmp_path: Path) -> None:
    text = SMOKE_TEXT.replace("utc_offset_h = 1", 'time_zone = "Europe/Berlin"', 1)
    path = tmp_path / "tz.toml"
    path.write_text(text, "utf-8")
    groups = load_scenario(path).station_groups
    assert [g.utc_offset_h for g in groups if g.time_zone == "Europe/Berlin"] == [1.0]


def test_a_large_seed_is_not_implausible(tmp_path: Path) -> None:
    path = tmp_path / "seed.toml"
    path.write_text(SMOKE_TEXT.replace("seed = 42", "seed = 2026020712345", 1), "utf-8")
    assert load_scenario(path).election.seed == 2026020712345


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    "case", ["unknown-field", "toml-syntax", "closing-before-opening", "infinite-number"]
)
def test_cli_validate_exits_2_without_traceback(tmp_path: Path, case: str) -> None:
    old, new, path = next((c[1], c[2], c[3]) for c in CASES if c[0] == case)
    file = _write(tmp_path, case, old, new)
    run = subprocess.run(
        [sys.executable, "-m", "pollday", "validate", str(file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout
    # file:line:column: path (the line where the field, or its table, was written)
    assert re.search(rf"{re.escape(str(file))}:\d+:\d+: {re.escape(path)}", run.stderr), \
        run.stderr


def test_shipped_scenarios_are_valid() -> None:
    for path in sorted((SMOKE.parent).glob("*.toml")):
        load_scenario(path)
