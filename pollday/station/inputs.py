"""The one-station calculator's inputs: what a planner types, turned into a scenario.

Each input is declared once (:data:`INPUTS`): the command-line flags and the web form are
both built from that list, and both end in :func:`station_scenario`, which writes a
one-station scenario and validates it with the same schema as every scenario file. The
calculator therefore runs exactly the model ``pollday simulate`` runs; the inputs only
fill in its fields.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.scenario.file import load_scenario, parse_scenario
from pollday.station.defaults import BUILT_IN, FLOW_INPUTS, StationInputError
from pollday.station.numbers import hhmm, minutes_of, parse_number
from pollday.station.pools import apply_pools, base_pools, is_pool_input
from simulation import Scenario
from simulation.scenario.loading import Problem, ScenarioError

__all__ = ["CHAIN_INPUTS", "FLOW_INPUTS", "INPUTS", "INPUT_NAMES", "StationInputError",
           "base_data", "hourly_intervals", "profile_weights", "station_scenario"]

# Arrival profiles: relative weight of an hour by where it falls in the day (0 = opening,
# 1 = closing). Rough shapes, not data: give --hourly-shares for a measured profile.
PROFILES: dict[str, Callable[[float], float]] = {
    "flat": lambda x: 1.0,
    "morning": lambda x: 1.6 - 1.2 * x,  # busiest at opening, quiet at closing
    "evening": lambda x: 0.4 + 1.2 * x,
    "two-peaks": lambda x: 0.5 + 4.0 * (x - 0.5) ** 2,  # opening and after work
}


@dataclass(frozen=True)
class Input:
    """One calculator input: its name (flag ``--name-with-dashes``), type and help."""

    name: str
    kind: str  # "int", "float", "time", "choice", "text"
    help: str
    default: str
    choices: tuple[str, ...] = ()


INPUTS: tuple[Input, ...] = (
    Input("registered", "int", "registered voters of the station", "1000"),
    Input("turnout", "float", "share of registered voters who come (0-1)", "0.7"),
    Input("opening", "time", "opening time, HH:MM", "08:00"),
    Input("closing", "time", "closing time, HH:MM", "19:00"),
    Input("profile", "choice", "arrival profile over the day", "morning", tuple(PROFILES)),
    Input("hourly_shares", "text",
          "relative arrivals per opening hour, comma-separated (replaces --profile)", ""),
    Input("queue_at_opening", "float", "share of voters already in line at opening", "0.02"),
    Input("terminals", "int", "biometric check-in terminals", "1"),
    Input("scan_time_s", "float", "mean time of one scan attempt, seconds", "14"),
    Input("success", "float", "chance one scan attempt recognises the voter (0-1)", "0.55"),
    Input("attempts", "int", "scan attempts before the fallback", "4"),
    Input("fallback", "choice", "after the last failed attempt", "manual", ("manual", "refuse")),
    Input("manual_time_s", "float", "mean time of the manual check, seconds", "60"),
    Input("connectivity", "choice", "check-ins confirmed online or synced later", "online",
          ("online", "offline")),
    Input("desks", "int", "ballot-issuing desks", "1"),
    Input("ballot_time_s", "float", "mean time at the ballot desk, seconds", "30"),
    Input("booths", "int", "voting booths", "2"),
    Input("booth_time_s", "float", "mean time in the booth, seconds", "60"),
    Input("patience_min", "float",
          "median patience in line, minutes (0: nobody leaves the line)", "45"),
    Input("mtbf_h", "float", "mean hours between terminal failures (0: they never fail)", "0"),
    Input("repair_min", "float", "mean repair or replacement time, minutes", "60"),
    Input("close_line", "choice",
          "at closing: serve everyone in line, or send them home", "serve", ("serve", "close")),
    Input("opens_late_min", "float", "minutes after the opening time the station actually "
          "opens, every simulated day (0: on time; replaces the scenario's late_opening)", "0"),
)
INPUT_NAMES = tuple(i.name for i in INPUTS)


# Inputs the built-in station model has but a scenario with its own description has not:
# a [[flow]] brings its own stages, pools and times (FLOW_INPUTS); a modality chain its own
# scans.
CHAIN_INPUTS = ("scan_time_s", "success", "attempts")


def refuse_inapplicable(base: Mapping[str, Any], given: Mapping[str, str]) -> None:
    """A flag that would silently do nothing (or break the scenario) is refused, named."""
    pools = base_pools(base)
    for name in given:
        flag = f"--{name.replace('_', '-')}"
        if base.get("flow") and name in FLOW_INPUTS:
            identifying = next(str(s["pool"]) for s in base["flow"]
                               if s.get("kind") == "identification")
            raise StationInputError(
                f"{flag}: this scenario describes its own stage flow ([[flow]]) and pools "
                f"{pools}; its stations have no terminals/desks/booths of the built-in "
                "model: " + (
                    "change the stages' time_s in the scenario file"
                    if name.endswith("_time_s") else
                    f"set a pool's units with --pool NAME=N (its voters are identified on "
                    f"the {identifying}: --pool {identifying}={given[name]})"
                    if name == "terminals" else
                    f"set a pool's units with --pool NAME=N, NAME one of {', '.join(pools)}")
            )
        if base.get("biometrics", {}).get("modalities") and name in CHAIN_INPUTS:
            raise StationInputError(
                f"{flag}: this scenario describes its own modality chain "
                "([[biometrics.modalities]]); change each modality's time_per_attempt_s, "
                "success_probability or max_attempts in the scenario file"
            )


def hourly_intervals(opening: str, closing: str, weights: list[float]) -> list[dict[str, Any]]:
    """One arrival interval per opening hour (the last one may be shorter), shares from
    ``weights`` normalised to 1 (rounded to 6 digits, the rounding put on the largest)."""
    start, end = minutes_of(opening), minutes_of(closing)
    edges = [*range(start, end, 60), end]
    if len(weights) != len(edges) - 1:
        raise StationInputError(
            f"--hourly-shares: {len(weights)} values for {len(edges) - 1} opening hours "
            f"({opening}-{closing})"
        )
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise StationInputError("--hourly-shares: every value must be >= 0 and one > 0")
    shares = [round(w / sum(weights), 6) for w in weights]
    shares[shares.index(max(shares))] += round(1 - sum(shares), 6)
    return [
        {"start": hhmm(a), "end": hhmm(b), "share": s}
        for a, b, s in zip(edges, edges[1:], shares, strict=False)
    ]


def profile_weights(profile: str, opening: str, closing: str) -> list[float]:
    start, end = minutes_of(opening), minutes_of(closing)
    if end <= start:
        raise StationInputError(f"closing {closing} must be after opening {opening}")
    edges = [*range(start, end, 60), end]
    shape = PROFILES[profile]
    # Weight per minute at the hour's midpoint, times the hour's length (a short last hour).
    return [shape(((a + b) / 2 - start) / (end - start)) * (b - a)
            for a, b in itertools.pairwise(edges)]


def _dist_mean(dist: dict[str, Any], mean: float, sd_share: float) -> dict[str, Any]:
    """A distribution of the same kind (gamma/lognormal) with this mean; others: gamma."""
    kind = dist.get("kind") if dist.get("kind") in ("gamma", "lognormal") else "gamma"
    if mean == 0:
        return {"kind": "fixed", "value": 0}
    return {"kind": kind, "mean": mean, "sd": mean * sd_share}


def _apply(data: dict[str, Any], name: str, raw: str) -> None:
    spec = next(i for i in INPUTS if i.name == name)
    if spec.kind == "choice" and raw not in spec.choices:
        raise StationInputError(f"--{name.replace('_', '-')}: {raw!r} is not one of "
                                f"{list(spec.choices)}")
    value = parse_number(name, raw, spec.kind) if spec.kind in ("int", "float") else raw
    group, bio, voting = data["station_groups"][0], data["biometrics"], data["voting"]
    negative = spec.kind in ("int", "float") and float(value) < 0
    if negative or (name == "registered" and value == 0):
        raise StationInputError(f"--{name.replace('_', '-')}: {raw} is out of range")
    if name == "registered":
        group["registered"] = {"kind": "fixed", "value": value}
        group["registered_min"], group["registered_max"] = 1, max(int(value), 1)
    elif name == "turnout":
        data["arrivals"]["turnout"] = value
    elif name in ("opening", "closing"):
        data["election"][name] = hhmm(minutes_of(str(value)))
    elif name == "queue_at_opening":
        data["arrivals"]["queue_at_opening_share"] = value
    elif name in ("terminals", "desks", "booths", "connectivity"):
        group[name] = value
    elif name == "scan_time_s":
        bio["scan_time_s"] = _dist_mean(bio.get("scan_time_s") or {}, float(value), 0.4)
    elif name == "success":
        bio["success_probability"] = value
    elif name == "attempts":
        bio["max_attempts"] = value
    elif name == "fallback":
        bio["fallback"] = value
    elif name == "manual_time_s":
        bio["manual_time_s"] = _dist_mean(bio.get("manual_time_s") or {}, float(value), 1 / 3)
    elif name == "ballot_time_s":
        voting["ballot_time_s"] = _dist_mean(voting["ballot_time_s"], float(value), 1 / 3)
    elif name == "booth_time_s":
        voting["booth_time_s"] = _dist_mean(voting["booth_time_s"], float(value), 0.5)
    elif name == "patience_min":
        voting["patience_min"] = (
            None if value == 0
            else {"kind": "lognormal", "median": value, "p95": 8 / 3 * float(value)}
        )
    elif name == "mtbf_h":
        repair = data.setdefault("failures", {}).get("repair_time_min")
        data["failures"] = {} if value == 0 else {
            "mtbf_h": value, "repair_time_min": repair or {"kind": "gamma", "mean": 60, "sd": 20}}
    elif name == "repair_min":
        failures = data.setdefault("failures", {})
        if failures.get("mtbf_h"):
            failures["repair_time_min"] = {"kind": "gamma", "mean": value, "sd": float(value) / 3}
    elif name == "close_line":
        data["closing"] = {"serve_queue": value == "serve"}
    elif name == "opens_late_min":  # every day, this late (the scenario's share replaced)
        group.pop("late_opening", None)
        data["late_opening"] = None if value == 0 else {
            "share": 1, "delay_min": {"kind": "fixed", "value": value}}


def _from_group(scenario: Scenario, group_name: str, file: str) -> dict[str, Any]:
    """The scenario's data with only ``group_name``, as one station of the group's mean size."""
    names = scenario.group_names
    if group_name not in names:
        raise StationInputError(f"{file}: no station group {group_name!r} (groups: {names})")
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    group = data["station_groups"][names.index(group_name)]
    source = scenario.station_groups[names.index(group_name)]
    size = min(max(round(source.registered.mean), source.registered_min), source.registered_max)
    group.update(count=1, registered={"kind": "fixed", "value": size})
    for key in ("constituencies", "utc_offset_h", "time_zone"):
        group.pop(key, None)  # one station: local time, one constituency
    data["station_groups"] = [group]
    data["election"]["constituencies"] = 1
    data["arrivals"]["turnout_sd"] = 0  # the turnout as stated, not a station-to-station draw
    data["central"]["outages"] = [
        o for o in data["central"].get("outages", []) if o.get("group") in (None, group_name)
    ]
    data["thresholds"] = []  # run verdicts are not the calculator's
    return data


def base_data(scenario_file: Path | None, group: str | None) -> dict[str, Any]:
    """Where the inputs start: the built-in station, or one group of a scenario file."""
    if scenario_file is None:
        if group is not None:
            raise StationInputError("--group needs --scenario FILE")
        return copy.deepcopy(BUILT_IN)
    scenario = load_scenario(scenario_file)
    if group is None:
        if len(scenario.station_groups) > 1:
            raise StationInputError(
                f"{scenario_file}: has {len(scenario.station_groups)} station groups; name one "
                f"with --group (groups: {scenario.group_names})"
            )
        group = scenario.group_names[0]
    return _from_group(scenario, group, str(scenario_file))


def station_scenario(base: dict[str, Any], given: Mapping[str, str]) -> Scenario:
    """The one-station scenario: ``base`` with every input in ``given`` applied (raw text,
    as typed), validated by the scenario schema. Opening hours or a profile rebuild the
    arrival intervals; otherwise the base's are kept (a scenario's own profile)."""
    data = copy.deepcopy(base)
    hours_before = (str(base["election"]["opening"])[:5], str(base["election"]["closing"])[:5])
    unknown = sorted(set(given) - set(INPUT_NAMES) - {n for n in given if is_pool_input(n)})
    if unknown:
        raise StationInputError(f"unknown input(s) {unknown}; inputs: {list(INPUT_NAMES)} "
                                "and pool.NAME (a pool's units)")
    refuse_inapplicable(base, given)
    for name in INPUT_NAMES:
        if name in given and name not in ("profile", "hourly_shares"):
            _apply(data, name, given[name])
    apply_pools(data, given)
    opening, closing = str(data["election"]["opening"])[:5], str(data["election"]["closing"])[:5]
    # The base's own profile stays unless a profile is given or the hours move.
    reshape = bool({"profile", "hourly_shares"} & set(given)) or (opening, closing) != hours_before
    if reshape or not data["arrivals"]["intervals"]:
        if given.get("hourly_shares"):
            weights = [parse_number("hourly_shares", w.strip(), "float")
                       for w in given["hourly_shares"].split(",")]
        else:
            profile = given.get("profile") or "morning"
            if profile not in PROFILES:
                raise StationInputError(f"--profile: {profile!r} is not one of {list(PROFILES)}")
            weights = profile_weights(profile, opening, closing)
        data["arrivals"]["intervals"] = hourly_intervals(opening, closing, weights)
    try:
        return parse_scenario(data, file="station inputs")
    except ScenarioError as error:
        raise StationInputError(_plain(error.problems)) from None


# Schema fields the inputs write, by input: an error names the flag the planner typed.
_FIELD_OF_INPUT = {
    "station_groups[0].registered": "registered", "arrivals.turnout": "turnout",
    "arrivals.queue_at_opening_share": "queue_at_opening",
    "station_groups[0].terminals": "terminals", "station_groups[0].desks": "desks",
    "station_groups[0].booths": "booths", "biometrics.scan_time_s": "scan_time_s",
    "biometrics.success_probability": "success", "biometrics.max_attempts": "attempts",
    "biometrics.manual_time_s": "manual_time_s", "voting.ballot_time_s": "ballot_time_s",
    "voting.booth_time_s": "booth_time_s", "voting.patience_min": "patience_min",
    "failures.mtbf_h": "mtbf_h", "failures.repair_time_min": "repair_min",
    "election": "opening/closing", "late_opening": "opens_late_min",
}


def _plain(problems: list[Problem]) -> str:
    out = []
    for p in problems:
        name = next((n for f, n in _FIELD_OF_INPUT.items() if p.path.startswith(f)), None)
        flag = f"--{name.replace('_', '-')} ({p.path})" if name else p.path
        out.append(f"{flag}: {p.value}: {p.rule}")
    return "; ".join(out)
