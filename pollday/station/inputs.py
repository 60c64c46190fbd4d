"""The one-station calculator's inputs: what a planner types, turned into a scenario.

Each input is declared once (:data:`pollday.station.catalog.INPUTS`): the command-line
flags and the web form are both built from that list, and both end in
:func:`station_scenario`, which writes a one-station scenario and validates it with the same
schema as every scenario file. The calculator therefore runs exactly the model ``pollday
simulate`` runs; the inputs only fill in its fields.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pollday.scenario.file import parse_scenario
from pollday.station.arrival_profile import PROFILES, hourly_intervals, profile_weights
from pollday.station.catalog import CHAIN_INPUTS, INPUT_NAMES, INPUTS
from pollday.station.defaults import FLOW_INPUTS, StationInputError
from pollday.station.numbers import hhmm, minutes_of, parse_number
from pollday.station.pools import apply_pools, base_pools, is_pool_input
from simulation import Scenario
from simulation.scenario.loading import Problem, ScenarioError

__all__ = ["refuse_inapplicable", "station_scenario"]


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
