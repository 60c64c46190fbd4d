"""``pollday station``: the one-station calculator runs the model ``simulate`` runs, says
what a planner asks (waits, line, lost votes by cause, fewest terminals), and refuses bad
input with the flag's name."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pollday.cli import main
from pollday.station.answer import StationAnswer
from pollday.station.arrival_profile import hourly_intervals, profile_weights

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"


def station(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["station", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_answer_is_deterministic_and_ordered(capsys: pytest.CaptureFixture[str]) -> None:
    first = station(capsys, "--replications", "5")
    again = station(capsys, "--replications", "5")
    first.pop("wall_s"), again.pop("wall_s")
    assert first == again
    w = first["wait_min"]
    assert 0 <= w["p50"] <= w["p95"] <= w["max"]
    assert first["days_simulated"] == 5 and first["seed"] == 1
    assert first["inputs"]["registered"] == 1000 and first["inputs"]["terminals"] == 1
    # 1000 registered at 70 % turnout: about 700 arrive a day (Poisson over 5 days).
    assert abs(first["arrived_per_day"] - 700) < 4 * (700 / 5) ** 0.5
    curve = first["line_curve"]
    assert first["longest_line"]["people"] == max(p["people"] for p in curve)
    assert curve[0]["time"] == "08:00"


def test_same_station_model_as_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    """One station of the smoke scenario (its outage included): the calculator's day is
    simulate's station row, figure for figure."""
    text = SMOKE.read_text()
    data = tomllib.loads(text)
    online = next(g for g in data["station_groups"] if g["name"] == "online")
    one = text.replace("count = 14", "count = 1").replace(
        'registered = { kind = "uniform", low = 150, high = 400 }',
        'registered = { kind = "fixed", value = 300 }',
    ).replace("turnout_sd = 0.05", "turnout_sd = 0")
    assert online["count"] == 14
    scenario = tmp_path / "one.toml"
    scenario.write_text(one)
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "run"), "--workers", "1",
                 "--quiet"]) == 0
    capsys.readouterr()  # --quiet still prints the verdict line
    rows = (tmp_path / "run" / "stations.csv").read_text().splitlines()
    header = rows[0].split(",")
    row = dict(zip(header, rows[1].split(","), strict=True))
    assert row["group"] == "online"
    answer = station(capsys, "--scenario", str(scenario), "--group", "online",
                     "--replications", "1")
    assert answer["seed"] == 42  # the scenario's
    assert answer["arrived_per_day"] == int(row["arrived"])
    assert answer["voted_per_day"] == int(row["voted"])
    assert answer["wait_min"]["p50"] == pytest.approx(float(row["wait_p50_min"]), abs=0.006)
    assert answer["wait_min"]["p95"] == pytest.approx(float(row["wait_p95_min"]), abs=0.006)
    assert answer["wait_min"]["max"] == pytest.approx(float(row["wait_max_min"]), abs=0.006)
    assert answer["longest_line"]["worst_day_people"] == int(row["max_queue"])
    assert answer["lost_votes_per_day"]["left_line"] == int(row["reneged"])


def test_fewest_units_are_the_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    """A busy station fails with one terminal; at the fewest units of every pool it meets
    the standard, and one unit fewer of any pool sized above one does not."""
    busy = ("--registered", "2400", "--turnout", "0.8", "--replications", "6",
            "--patience-min", "0", "--desks", "6", "--booths", "10")
    one = station(capsys, *busy, "--terminals", "1")
    assert not one["standard"]["holds"]
    fewest = one["fewest_units"]
    assert fewest["reachable"] and fewest["unreachable"] == []
    assert list(fewest["pools"]) == ["terminal", "desk", "booth"]
    assert fewest["pools"]["terminal"] > 1
    assert fewest["pools"]["desk"] <= 6 and fewest["pools"]["booth"] <= 10
    at = [a for pool, n in fewest["pools"].items() for a in ("--pool", f"{pool}={n}")]
    base = busy[:-4]  # the same station, its desks and booths from the answer
    enough = station(capsys, *base, *at)
    assert enough["standard"]["holds"]
    assert enough["inputs"]["pools"] == fewest["pools"]
    assert enough["fewest_units"]["pools"] == fewest["pools"]
    for pool, n in fewest["pools"].items():
        if n == 1:
            continue
        fewer = {**fewest["pools"], pool: n - 1}
        short = station(capsys, *base, *[a for q, m in fewer.items()
                                         for a in ("--pool", f"{q}={m}")])
        assert not short["standard"]["holds"], pool
        assert enough["wait_min"]["p95"] <= short["wait_min"]["p95"] or \
            short["lost_votes_per_day"]["total"] > 0, pool


def test_lost_votes_by_cause(capsys: pytest.CaptureFixture[str]) -> None:
    # One attempt at 30 % success and no manual check: 70 % of arrivals are refused.
    refused = station(capsys, "--success", "0.3", "--attempts", "1", "--fallback", "refuse",
                      "--replications", "4", "--patience-min", "0")
    lost = refused["lost_votes_per_day"]
    arrived = refused["arrived_per_day"]
    assert lost["left_line"] == 0 and lost["not_served_at_close"] == 0
    sd = (arrived * 0.7 * 0.3 / 4) ** 0.5
    assert abs(lost["refused_not_identified"] - 0.7 * arrived) < 4 * sd
    assert lost["total"] == 0  # refused voters are not lost votes (the standard's)
    # Far too little capacity and the line is sent home at closing: not served, no reneging.
    closed = station(capsys, "--registered", "2000", "--turnout", "0.9", "--scan-time-s",
                     "60", "--close-line", "close", "--patience-min", "0",
                     "--replications", "2")
    lost = closed["lost_votes_per_day"]
    assert lost["not_served_at_close"] > 100 and lost["left_line"] == 0
    assert lost["share"] == pytest.approx(lost["total"] / closed["arrived_per_day"], abs=1e-3)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--success", "2"], "--success (biometrics.success_probability): 2.0"),
        (["--terminals", "-1"], "--terminals: -1 is out of range"),
        (["--registered", "many"], "registered: 'many' is not a whole number"),
        (["--hourly-shares", "1,2"], "--hourly-shares: 2 values for 11 opening hours"),
        (["--opening", "8h"], "'8h' is not a time of day"),
        (["--profile", "noon"], "--profile: 'noon' is not one of"),
        (["--fallback", "pray"], "--fallback: 'pray' is not one of"),
        (["--group", "online"], "--group needs --scenario FILE"),
        (["--scenario", str(SMOKE)], "name one with --group"),
        (["--scenario", str(SMOKE), "--group", "nope"], "no station group 'nope'"),
    ],
)
def test_bad_input_exits_2_naming_the_input(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["station", *args]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_profiles_and_hourly_shares() -> None:
    intervals = hourly_intervals("08:00", "10:30", [1, 1, 0.5])
    assert [(i["start"], i["end"]) for i in intervals] == [
        ("08:00", "09:00"), ("09:00", "10:00"), ("10:00", "10:30")]
    assert sum(i["share"] for i in intervals) == pytest.approx(1, abs=1e-9)
    assert intervals[0]["share"] == pytest.approx(0.4)
    morning = profile_weights("morning", "08:00", "19:00")
    assert morning == sorted(morning, reverse=True) and len(morning) == 11
    flat = profile_weights("flat", "08:00", "10:30")
    assert flat == [60, 60, 30]  # per-minute weight times the hour's length


def test_table_on_the_command_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pollday", "station", "--registered", "600",
         "--replications", "3"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    for label in ("time in every line, min (median / p95 / max)", "longest line",
                  "lost votes per day", "fewest units meeting it", "600 registered",
                  "units: terminal 1, desk 1, booth 2", "terminal utilisation"):
        assert label in run.stdout


def test_the_documented_defaults_are_the_built_in_station(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every input's documented default is what the calculator runs without it."""
    from pollday.station.catalog import INPUTS

    flags = [a for s in INPUTS if s.default for a in (f"--{s.name.replace('_', '-')}",
                                                      s.default)]
    plain = station(capsys, "--replications", "2")
    spelled = station(capsys, "--replications", "2", *flags)
    plain.pop("wall_s"), spelled.pop("wall_s")
    assert plain == spelled


def test_a_desk_bottleneck_is_noted(capsys: pytest.CaptureFixture[str]) -> None:
    # 1,700 voters at one desk of 30 s: 14 hours of work in an 11-hour day.
    busy = station(capsys, "--registered", "2400", "--terminals", "3", "--replications", "2")
    assert not busy["standard"]["holds"]
    closing = next(f for f in busy["standard"]["failed"] if f["part"] == "closing")
    assert "desks or booths are the bottleneck" in closing["text"]
    assert closing["text"] in busy["notes"]
    assert station(capsys, "--replications", "2")["notes"] == []


BRAZIL = ROOT / "scenarios" / "brazil-2022.toml"
KENYA = ROOT / "scenarios" / "kenya-2022.toml"


@pytest.mark.parametrize(
    ("scenario", "flag", "value", "says"),
    [
        (BRAZIL, "--terminals", "3", "own stage flow"),
        (BRAZIL, "--desks", "2", "own stage flow"),
        (BRAZIL, "--booths", "3", "own stage flow"),
        (BRAZIL, "--booth-time-s", "50", "own stage flow"),
        (BRAZIL, "--scan-time-s", "5", "own modality chain"),
        (KENYA, "--success", "0.9", "own modality chain"),
        (KENYA, "--attempts", "2", "own modality chain"),
        (KENYA, "--ballot-time-s", "20", "own stage flow"),
    ],
)
def test_flags_a_flow_scenario_has_no_use_for_are_refused(
    scenario: Path, flag: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["station", "--scenario", str(scenario), flag, value, "--json"]) == 2
    err = capsys.readouterr().err
    assert f"{flag}: this scenario describes its {says}" in err and "Traceback" not in err


def test_a_flow_scenario_reports_its_pools_faults_and_fewest_units(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = station(capsys, "--scenario", str(BRAZIL), "--replications", "2",
                     "--fallback", "refuse")
    assert result["wait_measures"] == "time in every line"
    inputs = result["inputs"]
    assert inputs["pools"] == {"mesa": 1, "urna": 1}
    assert inputs["identification_pool"] == "urna"
    # No fields of the built-in model's hardware: this station has none.
    assert not {"terminals", "desks", "booths", "ballot_time_s", "booth_time_s"} & set(inputs)
    assert "terminal_utilisation" not in result
    assert result["identification_utilisation"]["pool"] == "urna"
    assert inputs["faults"] == [{
        "pool": "urna", "source": "failures", "mtbf_h": 1800.0, "repair_probability": 0.4,
        "repair_time_min_mean": 10.0, "replacement_time_min_mean": 60.0}]
    fewest = result["fewest_units"]
    assert list(fewest["pools"]) == ["mesa", "urna"]
    assert fewest["reachable"] and all(n >= 1 for n in fewest["pools"].values())
    assert result["lost_votes_per_day"]["refused_not_identified"] > 0  # --fallback still applies
    from pollday.station.command import print_station_table

    print_station_table(StationAnswer.model_validate(result))  # the JSON reads back
    out = capsys.readouterr().out
    assert "time in every line, min" in out and "units: mesa 1, urna 1" in out
    assert "urna utilisation (identification)" in out and "urna failures" in out
    assert "wait to terminal" not in out and "terminal" not in out


def test_pool_sets_a_flow_scenarios_units(capsys: pytest.CaptureFixture[str]) -> None:
    """--pool urna=2 on Brazil's section: two urnas, shorter lines, same day otherwise."""
    one = station(capsys, "--scenario", str(BRAZIL), "--replications", "3",
                  "--registered", "480")
    two = station(capsys, "--scenario", str(BRAZIL), "--replications", "3",
                  "--registered", "480", "--pool", "urna=2")
    assert one["inputs"]["pools"] == {"mesa": 1, "urna": 1}
    assert two["inputs"]["pools"] == {"mesa": 1, "urna": 2}
    assert two["arrived_per_day"] == one["arrived_per_day"]  # the same voters
    assert two["wait_min"]["p95"] < one["wait_min"]["p95"]
    kenya = station(capsys, "--scenario", str(KENYA), "--replications", "2",
                    "--pool", "kiems=2", "--pool", "booth=6")
    assert kenya["inputs"]["pools"] == {"kiems": 2, "clerk": 1, "booth": 6}
    assert list(kenya["fewest_units"]["pools"]) == ["kiems", "clerk", "booth"]


def test_pool_on_the_default_flow_is_terminals_desks_booths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_pool = station(capsys, "--replications", "2", "--registered", "1600",
                      "--pool", "terminal=2", "--pool", "desk=2", "--pool", "booth=3")
    by_flag = station(capsys, "--replications", "2", "--registered", "1600",
                      "--terminals", "2", "--desks", "2", "--booths", "3")
    by_pool.pop("wall_s"), by_flag.pop("wall_s")
    assert by_pool == by_flag
    assert by_pool["inputs"]["pools"] == {"terminal": 2, "desk": 2, "booth": 3}
    assert by_pool["inputs"]["terminals"] == 2  # the default flow keeps its own fields


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scenario", str(BRAZIL), "--pool", "kiems=2"],
         "--pool kiems: this scenario's flow has no pool 'kiems'; its pools: mesa, urna"),
        (["--pool", "urna=2"], "--pool urna: the built-in station (the default flow) has no "
         "pool 'urna'; its pools: terminal, desk, booth"),
        (["--scenario", str(BRAZIL), "--pool", "urna=0"],
         "--pool urna=0: the units must be a whole number from 1 to 500"),
        (["--scenario", str(BRAZIL), "--pool", "urna=501"], "from 1 to 500"),
        (["--scenario", str(BRAZIL), "--pool", "urna=1.5"], "from 1 to 500"),
        (["--scenario", str(BRAZIL), "--pool", "urna=\u00b2"], "from 1 to 500"),
        (["--scenario", str(BRAZIL), "--pool", "urna=-1"], "from 1 to 500"),
        (["--scenario", str(BRAZIL), "--pool", "urna"], "write NAME=N"),
        (["--scenario", str(BRAZIL), "--pool", "urna=2", "--pool", "urna=3"], "given twice"),
        (["--pool", "terminal=2", "--terminals", "3"], "--terminals also sets it"),
        (["--scenario", str(BRAZIL), "--terminals", "3"],
         "--pool NAME=N (its voters are identified on the urna: --pool urna=3)"),
        (["--scenario", str(KENYA), "--booths", "3"],
         "--pool NAME=N, NAME one of kiems, clerk, booth"),
    ],
)
def test_bad_pools_exit_2_naming_the_pools(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["station", *args, "--replications", "1"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_refused_at_parse_time(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["station", "--web", "--port", port])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--port" in err and "Traceback" not in err


def test_a_port_in_use_exits_2_suggesting_port_0(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["station", "--web", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err
    assert "[Errno" not in err and "Traceback" not in err


def test_the_verdict_says_on_how_many_days_the_standard_was_met(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pollday.station.command import print_station_table

    result = station(capsys, "--registered", "3000", "--replications", "3")
    assert result["standard"]["days_meeting"] == 0 and not result["standard"]["holds"]
    print_station_table(StationAnswer.model_validate(result))  # the JSON reads back
    out = capsys.readouterr().out
    assert "DOES NOT HOLD" in out and "met on 0% of 3 simulated days" in out
