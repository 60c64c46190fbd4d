"""Likely mistakes in a valid scenario: settings with no effect, sizes the legal range
reshapes, pools with no units. ``pollday validate`` prints them (``--strict``: exit 2)
and every ``summary.json`` carries them under ``warnings``."""

from __future__ import annotations

import numpy as np

from simulation.scenario.flow import Stage
from simulation.scenario.model import Scenario, StationGroup

CLIP_WARN_SHARE = 0.05  # a size distribution the legal range reshapes this much is suspect
_SIZE_DRAWS = 4000
_OFFLINE_ONLY = {"sync_interval_min", "sync_phase", "sync_jitter_s", "final_sync"}


def _size_warnings(k: int, g: StationGroup) -> list[str]:
    out = []
    where = f"station_groups[{k}] ({g.name})"
    mean = g.registered.mean
    if not g.registered_min <= mean <= g.registered_max:
        out.append(
            f"{where}.registered: mean {mean:g} lies outside the legal range "
            f"{g.registered_min}-{g.registered_max}; stations are redrawn, then clipped, into it"
        )
    draws = g.registered.sample(_SIZE_DRAWS, rng=np.random.default_rng(0))
    outside = float(np.mean((draws < g.registered_min) | (draws > g.registered_max)))
    if outside > CLIP_WARN_SHARE:
        out.append(
            f"{where}.registered: {outside:.0%} of draws fall outside "
            f"{g.registered_min}-{g.registered_max} and are redrawn (more than "
            f"{CLIP_WARN_SHARE:.0%}): the sizes are not the distribution given"
        )
    return out


def _group_warnings(scenario: Scenario) -> list[str]:
    out = []
    pools = scenario.pool_names
    for k, g in enumerate(scenario.station_groups):
        out += _size_warnings(k, g)
        where = f"station_groups[{k}] ({g.name})"
        if g.connectivity == "online":
            unused = sorted(
                _OFFLINE_ONLY & g.model_fields_set
            )
            if unused:
                out.append(f"{where}: {unused} have no effect on an online station")
        if scenario.flow:
            extra = sorted(set(g.pools) - set(pools))
            if extra:
                out.append(f"{where}.pools: {extra} are not used by the flow")
        elif g.pools:
            out.append(f"{where}.pools: no effect without a flow (terminals/desks/booths count)")
    return out


def scenario_warnings(scenario: Scenario) -> list[str]:
    out = _group_warnings(scenario)
    bio = scenario.biometrics
    if bio.fallback == "refuse" and bio.manual_time_s is not None:
        out.append("biometrics.manual_time_s: no effect with fallback = 'refuse'")
    f = scenario.failures
    if f.mtbf_h is None and ("repair_time_min" in f.model_fields_set):
        out.append("failures.repair_time_min: no effect without mtbf_h")
    if (f.mtbf_h is not None and f.repair_probability == 0
            and f.repair_time_min is not None):
        out.append("failures.repair_time_min: no effect with repair_probability = 0")
    if f.repair_probability == 1 and f.replacement_time_min is not None:
        out.append("failures.replacement_time_min: no effect with repair_probability = 1")
    for k, d in enumerate(scenario.device_faults):
        if d.repair_probability == 1 and d.replacement_time_min is not None:
            out.append(
                f"device_faults[{k}].replacement_time_min: no effect with repair_probability = 1"
            )
        if d.repair_probability == 0 and d.repair_time_min is not None:
            out.append(f"device_faults[{k}].repair_time_min: no effect with repair_probability = 0")
    out += _counting_warnings(scenario)
    out += _late_opening_warnings(scenario)
    if scenario.voter_groups and not any(g.success_probability for g in scenario.voter_groups):
        out.append("voter_groups: no group changes any success probability")
    return out


_RETRY_FIELDS = ("upload_retry_min", "upload_retry_backoff", "upload_retry_max_min",
                 "upload_max_attempts", "upload_give_up_after_min")
_STATION_FIELDS = ("setup_min", "per_ballot_s", "upload_delay_min",
                   "upload_failure_probability", "never_upload_share", *_RETRY_FIELDS)


def _counting_warnings(scenario: Scenario) -> list[str]:
    c = scenario.counting
    given = c.model_fields_set
    if c.counted == "elsewhere":
        return [f"counting.{name}: no effect with counted = 'elsewhere' (no station protocol)"
                for name in _STATION_FIELDS if name in given]
    if c.upload_failure_probability == 0:
        return [f"counting.{name}: no effect with upload_failure_probability = 0"
                for name in _RETRY_FIELDS if name in given]
    return []


# What a late-opening warning suggests: a patience of the shape docs/scenarios.md shows.
_PATIENCE_EXAMPLE = '{ kind = "lognormal", median = 60, p95 = 180 }'


def _late_opening_warnings(scenario: Scenario) -> list[str]:
    """A late opening where nobody gives up: the door line keeps every voter however late
    the station opens, so no vote is lost there, which is rarely what was meant."""
    places = []
    default = scenario.late_opening
    if (default is not None and default.share > 0
            and any(g.late_opening is None for g in scenario.station_groups)):
        places.append("late_opening")
    places += [f"station_groups[{k}] ({g.name}).late_opening"
               for k, g in enumerate(scenario.station_groups)
               if g.late_opening is not None and g.late_opening.share > 0]
    if not places:
        return []
    where = ", ".join(places)
    # The door line is the line of a voter's first stage: the flow's stages up to the first
    # one every voter takes (no groups or outcome filter). The default flow's first stage,
    # identification, lets voters give up.
    first: list[Stage] = []
    for stage in scenario.flow:
        first.append(stage)
        if stage.groups is None and stage.outcome is None:
            break
    door_reneges = not scenario.flow or any(s.reneging for s in first)
    reneging = "" if door_reneges else (
        f" and reneging = true on the first [[flow]] stage ({scenario.flow[0].name})")
    if scenario.voting.patience_min is None:
        return [f"{where}: voters never give up (no voting.patience_min), so everyone who "
                "comes before a late station opens waits at the door however late it opens "
                "and none is lost there; if some would go home, set [voting] patience_min "
                f"(minutes a voter waits before leaving, e.g. {_PATIENCE_EXAMPLE}){reneging}"]
    if not door_reneges:
        return [f"{where}: no [[flow]] stage voters line up for first has reneging = true, so "
                "voting.patience_min never applies at the door: everyone who comes before a "
                "late station opens waits however late it opens; to let them leave, set "
                f"reneging = true on {scenario.flow[0].name}"]
    return []
